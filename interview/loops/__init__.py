"""Interview loops: requisitions' interview plans, candidates' loops, and their panels."""
