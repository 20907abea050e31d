"""The attack suite: what an attacker tried, replayed on both databases.

- test_url_walk.py: every URL pattern, as staff of township A, a resident and anonymously,
  for township B's records (403/404, nothing shown, nothing written); every page, API
  answer, PDF and export of one's own township free of full personal numbers.
- test_writes_check_scope.py: a report or case put into another township by map point,
  grid or building, through the page, the API and the services themselves.
- test_idempotency_keys.py: replayed and squatted idempotency keys.
- test_scoped_reads.py: pages, forms, the API and the admin read only through for_user().
- test_privilege.py, test_deactivation.py: self-granted roles and grants; inactive staff.
- test_bad_input.py, test_races.py: deep JSON, oversized uploads and images, schema
  honesty, unique-constraint races.

Probes that need their app's own fixtures stay beside them: audit deletes and the hash
chain (tests/audit/), join-code guessing (tests/community/test_join_code_attempts.py),
formula cells in exports (tests/registry/test_export.py), sealed party and reporter
numbers (tests/disputes/test_party_numbers.py, tests/intake/test_reporter_numbers.py).
"""
