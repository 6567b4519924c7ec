"""A browser tab on an interview kit, as the page and its script behave: it keeps the
page's edit token, numbers every request it sends, and learns the version from
autosave answers and from pages it is shown."""

import re

from .test_scorecards import _form


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    return found.group(1) if found else ""


class Tab:
    def __init__(self, client, seat_id: int):
        self.client = client
        self.url = f"/interviews/{seat_id}"
        self.refused = None  # the redirect of the last refused post
        self.reload()

    def _read(self, page: str) -> None:
        self.version = hidden(page, "version")
        self.token = hidden(page, "edit_token")
        self.seq = int(hidden(page, "edit_seq") or 0)
        self.restored_from = hidden(page, "restored_from")

    def reload(self) -> str:
        page = self.client.get(self.url).get_data(as_text=True)
        self._read(page)
        return page

    def request(self, **fields) -> dict:
        """The form data of this tab's next request (the script numbers each one)."""
        self.seq += 1
        return _form(
            version=self.version,
            edit_token=self.token,
            edit_seq=str(self.seq),
            restored_from=self.restored_from,
            **fields,
        )

    def autosave(self, data: dict | None = None, **fields):
        response = self.client.submit(
            self.url + "/autosave", data or self.request(**fields)
        )
        if response.is_json and response.json.get("ok"):
            self.version = str(response.json["version"])
            self.restored_from = ""  # taken over: the script forgets the old page
        return response

    def beacon(self, data: dict | None = None, **fields):
        """The save sent as the page unloads: nobody reads its answer."""
        return self.client.submit(
            self.url + "/autosave", data or self.request(**fields)
        )

    def post(self, data: dict | None = None, **fields):
        """A native form submission (Save draft, Submit or amend). A refused one
        redirects to the kit's ?draft= address, which the browser then shows: the
        answer is that page (its status says why); otherwise the redirect, with
        the kit reloaded."""
        response = self.client.submit(self.url, data or self.request(**fields))
        if response.status_code == 302 and "?draft=" in response.location:
            self.refused = response
            response = self.client.get(response.location)
        if response.status_code == 302:
            self.reload()
        else:
            self._read(response.get_data(as_text=True))
        return response
