"""`pollwatch alerts`: messages to a webhook when something happens, on Prefect's own machinery.

`add` saves a Prefect notification block for the webhook (flows/blocks.py: a Custom Webhook
posting {"text": "<subject>\\n<body>"}, which Slack, Mattermost, Rocket.Chat and plain receivers
read, that waits and tries again; the address itself is kept among the block's secrets, since a
webhook's address is its key) and one automation per kind of alert:

- rejected, moved, stale, loaded: on pollwatch's events of that kind (flows/events.py), the
  message the event carries (`event.payload.message`, already made safe by pollwatch);
- failed: on any run of pollwatch's flows ending Failed or Crashed, its flow, run, state message
  (HTML-escaped: it may name a file) and a link to the run; not on the pipeline's own subflow
  runs (named `<pipeline run>/<flow>`, flows/pipeline.py), whose failure fails the pipeline's
  run too: one failure, one message.

Prefect's automations service sends each message as the event arrives (well under a second); a
send that cannot reach the webhook is tried again after 5 s, 30 s and 2 min, then recorded as a
failed action (flows/blocks.py). The run that raised the event never waits on it.
With `--file`, the automations are written for `prefect automation create --from-file` instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import yaml
from prefect import get_client
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from flows.blocks import RETRY_SECONDS, PollwatchWebhook
from pollwatch.alerts.notices import KINDS
from pollwatch.config import ConfigError

PREFIX = "pollwatch"
# pollwatch's webhook block, and Prefect's own (`--plain`) for a server without pollwatch.
BLOCK_TYPES = ("pollwatch-webhook", "custom-webhook")
FAILED = "failed"
ALL_KINDS = (*KINDS, FAILED)
DEFAULT_KINDS = ("rejected", "moved", "stale", FAILED)
FLOWS = ["ingest-polls", "render-report", "ingest-and-report", "check-expected-drops"]
FAILED_SUBJECT = "pollwatch: {{ flow.name }} run {{ flow_run.name }} {{ flow_run.state.name }}"
# The state message may name a file: escaped as pollwatch.alerts.text.plain escapes.
FAILED_BODY = (
    "The {{ flow.name }} run {{ flow_run.name }} ended {{ flow_run.state.name }}:"
    ' {{ (flow_run.state.message or "") | truncate(300) | replace("&", "&amp;")'
    ' | replace("<", "&lt;") | replace(">", "&gt;") }}\nRun: {{ flow_run | ui_url }}'
)


def kinds_from(text: str) -> list[str]:
    """`--on rejected,moved`, checked."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown or not kinds:
        raise ConfigError(
            f"--on {text!r}: {'unknown ' + ', '.join(unknown) if unknown else 'names nothing'};"
            f" choose from {','.join(ALL_KINDS)}"
        )
    return list(dict.fromkeys(kinds))


def block_name(url: str, data_dir: Path) -> str:
    """One block per webhook and data directory: the alerts of two trackers on one server are
    added and removed apart."""
    key = f"{url}\n{data_dir.resolve()}".encode()
    return f"{PREFIX}-webhook-{hashlib.sha256(key).hexdigest()[:10]}"


def masked(url: str) -> str:
    """A webhook's address as shown: its scheme and host; the rest is its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") else url


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{url!r} is not a web address (http:// or https://) to send to")


def automations(
    block_id: UUID, name: str, kinds: list[str], data_dir: Path
) -> list[AutomationCore]:
    """One automation per kind, each sending through the block `block_id` (named `name`), on
    the events of the runs on `data_dir` (a failed run: of any pollwatch flow on the server,
    since Prefect's run events do not say which data it read)."""
    found = []
    for kind in kinds:
        if kind == FAILED:
            trigger = EventTrigger(
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                match={
                    "prefect.resource.id": "prefect.flow-run.*",
                    "prefect.resource.name": "!*/*",
                },
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": FLOWS},
                posture=Posture.Reactive,
                threshold=1,
                within=0,
            )
            action = SendNotification(
                block_document_id=block_id, subject=FAILED_SUBJECT, body=FAILED_BODY
            )
        else:
            trigger = EventTrigger(
                expect={KINDS[kind]},
                match={
                    "prefect.resource.id": "pollwatch.*",
                    "pollwatch.data-dir": str(data_dir.resolve()),
                },
                posture=Posture.Reactive,
                threshold=1,
                within=0,
            )
            action = SendNotification(
                block_document_id=block_id,
                subject="{{ event.payload.subject }}",
                body="{{ event.payload.message }}",
            )
        found.append(
            AutomationCore(
                name=f"{PREFIX} {kind} -> {name}",
                description=f"pollwatch alerts: {kind}, to the webhook of block {name}",
                trigger=trigger,
                actions=[action],
            )
        )
    return found


def add_webhook(
    url: str,
    kinds: list[str],
    data_dir: Path,
    file: Path | None = None,
    retry_seconds: list[float] = RETRY_SECONDS,
    plain: bool = False,
) -> list[str]:
    """Save the webhook's block and create its automations for the runs on `data_dir`
    (replacing any it had), or write them to `file`. Returns the automations' names. `plain`:
    Prefect's own Custom Webhook block, for a server that does not have pollwatch installed
    (which could not load pollwatch's block; a failed send then has Prefect's four quick tries)."""
    check_url(url)
    name = block_name(url, data_dir)
    fields = {
        "name": name,
        "url": "{{webhook_url}}",
        "secrets": {"webhook_url": url},
        "json_data": {"text": "{{subject}}\n{{body}}"},
    }
    if plain:
        block = CustomWebhookNotificationBlock(**fields)
    else:
        block = PollwatchWebhook(**fields, retry_seconds=retry_seconds)
    for other in BLOCK_TYPES:  # one block a name, of either type
        if other != block.get_block_type_slug():
            _delete_block(name, other)
    block_id = block.save(name, overwrite=True)
    made = automations(block_id, name, kinds, data_dir)
    if file is not None:
        data = {"automations": [a.model_dump(mode="json", exclude_unset=False) for a in made]}
        file.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        return [a.name for a in made]
    with get_client(sync_client=True) as client:
        for old in _ours(client, name):
            client.delete_automation(old.id)
        for automation in made:
            client.create_automation(automation)
    return [a.name for a in made]


def list_alerts() -> list[dict]:
    """pollwatch's automations: kind, the block, the webhook (masked), whether enabled."""
    with get_client(sync_client=True) as client:
        found = []
        for automation in _ours(client):
            kind, _, name = automation.name.removeprefix(f"{PREFIX} ").partition(" -> ")
            found.append(
                {
                    "kind": kind,
                    "block": name,
                    "webhook": _webhook_of(client, name),
                    "enabled": automation.enabled,
                }
            )
    return sorted(found, key=lambda a: (a["block"], ALL_KINDS.index(a["kind"])))


def remove(target: str, data_dir: Path) -> list[str]:
    """The automations (and block) of a webhook, by its address (with the data directory it
    was added for) or its block's name. Returns what was removed; a ConfigError when nothing
    matches."""
    name = target if target.startswith(f"{PREFIX}-webhook-") else block_name(target, data_dir)
    with get_client(sync_client=True) as client:
        gone = _ours(client, name)
        for automation in gone:
            client.delete_automation(automation.id)
        blocks = [_delete_block(name, kind) for kind in BLOCK_TYPES]
    if not gone and not any(blocks):
        raise ConfigError(f"no pollwatch alert sends to {target} (see `pollwatch alerts list`)")
    return [a.name for a in gone]


def _ours(client, block: str | None = None) -> list:
    suffix = "" if block is None else f" -> {block}"
    return [
        a
        for a in client.read_automations()
        if a.name.startswith(f"{PREFIX} ") and a.name.endswith(suffix)
    ]


def _webhook_of(client, name: str) -> str:
    for kind in BLOCK_TYPES:
        try:
            block = client.read_block_document_by_name(name, kind, include_secrets=True)
        except Exception:
            continue
        return masked(str(block.data.get("secrets", {}).get("webhook_url", "")))
    return "(its block is gone)"


def _delete_block(name: str, kind: str) -> bool:
    with get_client(sync_client=True) as client:
        try:
            block = client.read_block_document_by_name(name, kind)
        except Exception:
            return False
        client.delete_block_document(block.id)
    return True
