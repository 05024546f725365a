"""Drive the survey wizard through Django's test client the way a browser would."""

import re
from dataclasses import dataclass, field

from django.test import Client

STEP_RE = re.compile(r'name="(s[0-9a-f]+-current_step)" value="([^"]*)"')
SUBMISSION_RE = re.compile(r'name="submission" value="([^"]*)"')


@dataclass
class Walk:
    client: Client
    url: str
    html: str = ""
    status: int = 0
    history: list[str] = field(default_factory=list)

    def open(self, url: str | None = None) -> "Walk":
        response = self.client.get(url or self.url, follow=True)
        self._take(response)
        return self

    def _take(self, response) -> None:
        self.status = response.status_code
        self.html = response.content.decode()

    @property
    def step(self) -> str | None:
        m = STEP_RE.search(self.html)
        return m.group(2) if m else None

    @property
    def management(self) -> dict[str, str]:
        """The page's hidden fields a browser sends back: the wizard's step and the
        submission id the page was shown with."""
        m = STEP_RE.search(self.html)
        if m is None:
            return {}
        fields = {m.group(1): m.group(2)}
        submission = SUBMISSION_RE.search(self.html)
        if submission:
            fields["submission"] = submission.group(1)
        return fields

    def submit(self, data: dict, *, extra: dict | None = None, follow: bool = True) -> "Walk":
        body = {**self.management, **data, **(extra or {})}
        response = self.client.post(self.url, body, follow=follow)
        self._take(response)
        return self

    def back(self, data: dict, to: str) -> "Walk":
        return self.submit(data, extra={"wizard_goto_step": to})

    def title(self) -> str:
        m = re.search(r"<title>(.*?)</title>", self.html, re.S)
        return m.group(1).strip() if m else ""
