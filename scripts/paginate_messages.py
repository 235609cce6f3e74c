"""The Ziett docs' pagination loop (httpx, "stop once page >= pages"), run unchanged against the simulator.

    python scripts/paginate_messages.py http://127.0.0.1:8080/c/v1

Sends one batch of 450 recipients, waits until its messages exist, then pages through
GET /messages?campaign_id=… with size=200 and checks that every recipient appears exactly once.
"""

import sys
import time
import uuid

import httpx

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/c/v1"
HEADERS = {"X-API-KEY": "zk_test_pagination", "Content-Type": "application/json"}
REMITTER = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"


def fetch_all(client, path, params):
    """The docs' loop: ask page after page, stop once page >= pages."""
    entries, page = [], 1
    while True:
        r = client.get(path, params={**params, "page": page, "size": 200})
        r.raise_for_status()
        data = r.json()
        entries.extend(data["entries"])
        if data["page"] >= data["pages"]:
            return entries, data
        page += 1


def main():
    numbers = [f"+24492{i:07d}" for i in range(450)]
    with httpx.Client(base_url=BASE, headers=HEADERS, timeout=10) as client:
        r = client.post(
            "/campaigns/batch",
            json={"name": f"pagination-{uuid.uuid4()}", "remitter_id": REMITTER, "content": "Olá",
                  "channel_type": "SMS", "recipients": numbers},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 202, r.text
        campaign_id = r.json()["campaign_id"]
        deadline = time.monotonic() + 10
        while True:
            entries, last = fetch_all(client, "/messages", {"campaign_id": campaign_id, "order": "asc"})
            if entries or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        got = sorted(e["target_e164"] for e in entries)
        assert got == sorted(numbers), f"expected 450 distinct recipients, got {len(got)}"
        assert last["total"] == 450 and last["pages"] == 3, last
        same, _ = fetch_all(client, f"/campaigns/{campaign_id}/messages", {})
        assert len(same) == 450
        print(f"pagination ok: {len(entries)} messages in {last['pages']} pages of up to 200")


if __name__ == "__main__":
    main()
