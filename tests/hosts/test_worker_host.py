"""The worker host killed mid-publication (see conftest): the X stand-in runs on the data
host and holds back its answer to post 4; the worker host's processes are SIGKILLed then; a
worker on a second host takes the publication once its lease runs out and finishes it with
each post once, in order, one reply chain."""

from __future__ import annotations

import json
import time

from tests.publish.flows import SEVEN

LEASE = 2.0  # PUBLISH_LEASE_SECONDS in the cluster's environment


def test_a_worker_host_killed_mid_publication_is_replaced_without_a_duplicate_post(
        cluster, record_property):
    source = cluster.client_address(1)
    assert cluster.env["PUBLISH_LEASE_SECONDS"] == str(int(LEASE))
    records = cluster.start_x({"4": {"status": 500, "lost": True, "delay": 8}})
    cluster.start_worker("worker")
    api = cluster.api_url("api1")
    made = cluster.flow("setup", api, source)
    held = cluster.watch(records, "count", "4", 30, source)
    assert held is not None, cluster.log("worker")  # count stays 4: post 4's answer is held
    killed = time.time()
    cluster.net["worker"].kill_all()  # SIGKILL: the host's worker dies with post 4 in flight
    assert not cluster.net["worker"].processes
    cluster.start_worker("worker2")
    done = cluster.flow("wait", api, source, made["token"], made["publication_id"], "60",
                        timeout=60)
    (answer,) = cluster.batch([{"method": "GET", "url": records}], source)
    seen = json.loads(answer["body"])
    tweets = seen["tweets"]
    took = round(done["at"] - killed, 2)
    resumed = round(seen["at"][4] - killed, 2) if len(seen["at"]) > 4 else None
    record_property("worker_host_killed", {"lease_s": LEASE, "post_5_after_kill_s": resumed,
                                           "kill_to_published_s": took, "posts": len(tweets)})
    print(f"worker host killed mid-publication: lease {LEASE} s; the second host's worker "
          f"stored post 5 {resumed} s and finished {took} s after the kill; "
          f"{len(tweets)} posts stored for {len(SEVEN)}")
    assert done["status"] == "published", (done, cluster.log("worker2"))
    assert seen["fired"] == [[4, 500]]  # post 4 was stored and its answer never arrived
    assert [t["text"] for t in tweets] == SEVEN
    assert [t["in_reply_to"] for t in tweets] == [None, *[t["id"] for t in tweets[:-1]]]
