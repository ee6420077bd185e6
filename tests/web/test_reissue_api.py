"""Issue 12 (trust), keys: revocation is final over the API; an admin re-issues with a reason.

Responses are checked against the schema ``GET /openapi.json`` documents (``call``)."""

from __future__ import annotations

from tests.web.conftest import FOUNDATION, add_person, full_bundle
from tests.web.test_api import call, spec

__all__ = ["spec"]

SIGN_OFF = {"kind": "self-explanation", "verdict": "pass", "minutes": 20}
REVIEWS = "/api/v1/submissions/{id}/reviews"


def test_a_late_sign_off_after_a_revocation_waits_for_an_admin(world, spec):
    # a mentor signs Ada's submission off: her credential is issued
    issued = call(world, spec, "POST", REVIEWS, world.mentor.token, 201, json=SIGN_OFF,
                  id=world.submission)  # fmt: skip
    first = issued["credential"]["id"]
    uuid = first.removeprefix("urn:uuid:")
    call(world, spec, "POST", "/api/v1/credentials/{id}/revoke", world.admin.token, 200,
         json={"reason": "plagiarised answers"}, id=uuid)  # fmt: skip

    # a second mentor's late sign-off on the same submission issues nothing
    other = add_person(world.issuer, "mentor2", "Max Mentor", "reviewer", "mentor")
    late = call(world, spec, "POST", REVIEWS, other.token, 201, json=SIGN_OFF,
                id=world.submission)  # fmt: skip
    assert late["verdict"]["met"] is True
    assert (late["issued"], late["credential"]) == (False, None)
    assert first in late["withheld"]
    shown = call(world, spec, "GET", "/api/v1/submissions/{id}", world.admin.token, 200,
                 id=world.submission)  # fmt: skip
    assert shown["status"] == "awaiting-admin"
    assert shown["verdict"]["withheld"] == late["withheld"]
    # nor does an admin's by-hand issue of a complete bundle
    by_hand = call(world, spec, "POST", "/api/v1/admin/issue", world.admin.token, 200,
                   json=full_bundle(FOUNDATION, world.ada.identity))  # fmt: skip
    assert (by_hand["issued"], bool(by_hand["withheld"])) == (False, True)
    held = call(world, spec, "GET", "/api/v1/credentials", world.ada.token, 200)
    assert [c["revoked"] for c in held["credentials"]] == [True]

    # the one way back: an admin re-issues, with a reason
    reissue = "/api/v1/admin/credentials/{id}/reissue"
    call(world, spec, "POST", reissue, world.admin.token, 422, json={"reason": " "}, id=uuid)
    call(world, spec, "POST", reissue, world.mentor.token, 403, json={"reason": "x"}, id=uuid)
    made = call(world, spec, "POST", reissue, world.admin.token, 201,
                json={"reason": "appeal upheld"}, id=uuid)  # fmt: skip
    assert made["id"] != first
    assert (made["reissue_of"], made["revoked"], made["created"]) == (first, False, True)
    again = call(world, spec, "POST", reissue, world.admin.token, 200,
                 json={"reason": "appeal upheld"}, id=uuid)  # fmt: skip
    assert (again["id"], again["created"]) == (made["id"], False)
    call(world, spec, "POST", reissue, world.admin.token, 409, json={"reason": "again"},
         id=made["id"].removeprefix("urn:uuid:"))  # fmt: skip
    log = call(world, spec, "GET", "/api/v1/admin/log", world.admin.token, 200)["entries"]
    [entry] = [e for e in log if e["event"] == "reissued"]
    assert entry["actor"] == f"user-{world.admin.user_id}"
    assert (entry["credential"], entry["detail"]["reason"]) == (made["id"], "appeal upheld")
    assert entry["detail"]["replaces"] == first
    verified = call(world, spec, "POST", "/api/v1/verify", None, 200,
                    json={"credential": made["jwt"]})  # fmt: skip
    assert verified["verified"] is True, verified


def test_the_admin_page_shows_each_key_state(world):
    from tests.web.conftest import signed_in

    withdrawn = world.issuer.keys.current().key_id
    world.issuer.withdraw_key(withdrawn, "laptop stolen", actor="test")
    page = signed_in(world, "admin").get("/admin").get_data(as_text=True)
    assert f"{withdrawn} (ES256) WITHDRAWN" in page
    assert f"{world.issuer.keys.current().key_id} (ES256) current" in page


def test_an_admin_withdraws_a_compromised_key_over_the_api(world, spec):
    withdraw = "/api/v1/admin/keys/{id}/withdraw"
    kid = world.issuer.keys.current().key_id
    call(world, spec, "POST", withdraw, world.mentor.token, 403, json={"reason": "x"}, id=kid)
    call(world, spec, "POST", withdraw, world.admin.token, 422, json={"reason": ""}, id=kid)
    call(world, spec, "POST", withdraw, world.admin.token, 404, json={"reason": "x"}, id="nope")
    done = call(world, spec, "POST", withdraw, world.admin.token, 200,
                json={"reason": "laptop stolen"}, id=kid)  # fmt: skip
    assert (done["key"], done["rotated"], done["live"]) == (kid, True, 1)
    assert done["current"] == world.issuer.keys.current().key_id != kid
    published = world.client().get("/.well-known/jwks.json").get_json()["keys"]
    assert [k["kid"].rsplit("#", 1)[1] for k in published] == [done["current"]]
    verified = call(world, spec, "POST", "/api/v1/verify", None, 200,
                    json={"credential": world.issuer.credential(world.credential).jwt})  # fmt: skip
    assert verified["verified"] is False


def test_the_pages_say_when_a_met_submission_waits_for_an_admin(world):
    import json

    from tests.web.conftest import post_form, signed_in

    world.issuer.revoke(world.credential, "issued in error", actor="test")
    admin = signed_in(world, "admin")
    bundle = json.dumps(full_bundle(FOUNDATION, world.grace.identity))
    response = post_form(admin, "/admin", {"action": "issue", "bundle": bundle},
                         token_from="/admin")  # fmt: skip
    assert response.status_code == 302
    page = admin.get("/admin").get_data(as_text=True)
    assert "Not issued: the rules are met, but an earlier credential" in page
    assert "Not met" not in page
    # Grace's own page for that submission says why
    grace = signed_in(world, "grace")
    [latest] = [
        s
        for s in world.issuer.submissions(world.grace.learner_id)
        if s.id != world.grace_submission
    ]
    shown = grace.get(f"/submissions/{latest.id}").get_data(as_text=True)
    assert "Met, awaiting an admin" in shown
    assert "only an admin issues it again" in shown
