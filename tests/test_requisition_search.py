"""Requisitions' folded search key: written on every save, filled by the migration for
those already on file, and indexed by trigrams on PostgreSQL."""

import pytest
import sqlalchemy as sa

from interview.extensions import db
from interview.models import Discipline, Requisition, Role
from interview.models.requisitions import requisition_search_key


def test_the_key_is_the_folded_title_then_the_discipline():
    assert (
        requisition_search_key("Infirmière  de NUIT", "clinical")
        == "infirmiere de nuit\tclinical"
    )
    assert requisition_search_key("Dev", Discipline.TECHNICAL) == "dev\ttechnical"


def test_every_save_writes_the_key(app_ctx, make_user):
    manager = make_user(Role.HIRING_MANAGER)
    requisition = Requisition(
        title="Ärztin", discipline=Discipline.CLINICAL, hiring_manager_id=manager.id
    )
    db.session.add(requisition)
    db.session.commit()
    assert requisition.search_key == "arztin\tclinical"
    requisition.discipline = Discipline.TECHNICAL
    requisition.title = "Ingénieur"
    db.session.commit()
    stored = db.session.scalar(
        sa.select(Requisition.search_key).where(Requisition.id == requisition.id)
    )
    assert stored == "ingenieur\ttechnical"


def test_upgrading_folds_the_titles_already_on_file(empty_app):
    """Requisitions saved before the key existed are found after the upgrade."""
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(revision="0009_packet_files")
        db.session.execute(  # the models have newer columns: write as of 0009
            sa.text(
                "INSERT INTO users (id, email, name, search_key, password_hash, role, "
                "time_zone, is_active, session_token, created_at, updated_at, "
                "version) VALUES (1, 'm@example.org', 'M', 'm\tm@example.org', 'x', "
                "'hiring_manager', 'UTC', true, 't', '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', 1)"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO requisitions (title, discipline, hiring_manager_id, "
                "status, share_scores_after_submit, created_at, updated_at) VALUES "
                "('Sage-Femme Référente', 'clinical', 1, 'open', true, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade()
        keys = db.session.scalars(sa.select(Requisition.search_key)).all()
        assert keys == ["sage-femme referente\tclinical"]
        db.session.remove()


def test_requisition_search_has_a_trigram_index_on_postgresql(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a plain index on the key; a search scans it")
    definition = db.session.scalar(
        sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = "
            "'ix_requisitions_search_key' AND schemaname = current_schema()"
        )
    )
    assert "USING gin" in definition and "gin_trgm_ops" in definition
