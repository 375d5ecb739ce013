"""Find and redact secrets (API keys, tokens, passwords, connection strings, private keys) in text.

Detection is detect-secrets' plugins (no entropy-only guessing, which flags ordinary words), plus
patterns for what handoff documents often hold that its plugins do not cover: URLs with passwords,
connection strings, PEM key blocks, and `key: value` settings named like a secret.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_PLUGINS = [
    {"name": n}
    for n in (
        "ArtifactoryDetector",
        "AWSKeyDetector",
        "AzureStorageKeyDetector",
        "BasicAuthDetector",
        "CloudantDetector",
        "DiscordBotTokenDetector",
        "GitHubTokenDetector",
        "GitLabTokenDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "JwtTokenDetector",
        "KeywordDetector",
        "MailchimpDetector",
        "NpmDetector",
        "OpenAIDetector",
        "PrivateKeyDetector",
        "PypiTokenDetector",
        "SendGridDetector",
        "SlackDetector",
        "SoftlayerDetector",
        "SquareOAuthDetector",
        "StripeDetector",
        "TelegramBotTokenDetector",
        "TwilioKeyDetector",
    )
]
_EXTRA = [
    (
        "Private key block",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    ),
    ("Connection string password", re.compile(r"(?i)\b(?:password|pwd)\s*=\s*([^;'\"\s]{4,})")),
    ("URL credentials", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]{3,})@")),
    ("API key", re.compile(r"\b(sk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,})")),
    ("AWS Access Key", re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b")),
    ("GitHub Token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,})\b")),
    ("Bearer token", re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{20,})")),
    (
        "Secret setting",
        re.compile(
            r"(?im)^\s*[\"']?[\w.-]*(?:api[_-]?key|secret|token|passw(?:or)?d|client[_-]?secret|access[_-]?key)"
            r"[\w.-]*[\"']?\s*[:=]\s*[\"']?(?!\[REDACTED)([^\s\"',}{]{8,})"
        ),
    ),
]
# lines worth handing to the library: a long token, or a word that names a secret
_CANDIDATE = re.compile(r"[A-Za-z0-9_\-+/=]{16,}|pass|secret|token|key|pwd|auth", re.I)
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?\w+\}?|<[^>]+>|\{\{.*\}\}|x{4,}|\*{4,}|\[REDACTED[^\]]*\]|changeme|your[_-].*)$",
    re.I,
)


@dataclass
class Redaction:
    text: str
    found: Counter[str] = field(default_factory=Counter)

    @property
    def summary(self) -> dict[str, int]:
        return dict(sorted(self.found.items()))


def redact(text: str) -> Redaction:
    """Replace each secret with [REDACTED:<type>]; the result says how many of each type."""
    result = Redaction(text)
    for label, rx in _EXTRA:

        def swap(m: re.Match[str], label: str = label) -> str:
            secret = m.group(1) if m.groups() else m.group(0)
            if _PLACEHOLDER.match(secret):
                return m.group(0)
            result.found[label] += 1
            return m.group(0).replace(secret, f"[REDACTED:{label}]")

        result.text = rx.sub(swap, result.text)
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import transient_settings

    lines = result.text.split("\n")
    asked = [len(line) <= 2000 and bool(_CANDIDATE.search(line)) for line in lines]
    if not any(asked):  # entering the library's settings costs about a millisecond each time
        return result
    with transient_settings({"plugins_used": _PLUGINS}):
        hits = [
            [(h.type, h.secret_value) for h in scan_line(line) if h.secret_value] if ask else []
            for line, ask in zip(lines, asked, strict=True)
        ]
    for i, found_here in enumerate(hits):
        for kind, secret in found_here:
            if secret in lines[i] and not _PLACEHOLDER.match(secret) and "REDACTED" not in secret:
                lines[i] = lines[i].replace(secret, f"[REDACTED:{kind}]")
                result.found[kind] += 1
    result.text = "\n".join(lines)
    return result


def redact_tree(value: Any, found: Counter[str]) -> Any:
    """Redact every string in a JSON-like value (for `kb import`)."""
    if isinstance(value, str):
        r = redact(value)
        found.update(r.found)
        return r.text
    if isinstance(value, list):
        return [redact_tree(v, found) for v in value]
    if isinstance(value, dict):
        return {k: redact_tree(v, found) for k, v in value.items()}
    return value
