"""List addresses work with or without a trailing slash: the other form is sent on
to the list's own address, its query string kept."""

import pytest

LISTS = ["/accounts/", "/candidates/", "/loops/", "/requisitions/", "/rubrics/"]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_without_its_slash_is_sent_to_it(client, auth, users, path):
    auth.login(users["talent_acquisition"])
    response = client.get(path.rstrip("/") + "?page=2")
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"{path}?page=2")
    assert client.get(path.rstrip("/"), follow_redirects=True).status_code == 200


def test_my_interviews_with_a_slash_is_sent_to_it(client, auth, users):
    auth.login(users["clinical"])
    response = client.get("/my-interviews/?page=2")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/my-interviews?page=2")
    page = client.get("/my-interviews/", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/my-interviews"
    assert "<h1>My interviews</h1>" in page.text
