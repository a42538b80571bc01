"""The demo: what `manage.py seed_demo` loads and `make run` prints.

The demo logins and their password are facts about the whole project (the README and
`make run` show them), so they live here; members' demo module creates the accounts.
Nothing here imports Django, so `make run` can print them before Django is set up.
"""

DEMO_PASSWORD = "hive-demo-password"  # noqa: S105 - printed on purpose: it is the demo login
DEMO_LOGINS = {
    "staff": "staff@hive.test",
    "member": "member@hive.test",
    "applicant": "applicant@hive.test",
}
