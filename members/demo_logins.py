"""The demo accounts `seed_demo` creates and `make run` prints (no Django imports here)."""

DEMO_PASSWORD = "hive-demo-password"  # noqa: S105 - printed on purpose: it is the demo login
DEMO_LOGINS = {
    "staff": "staff@hive.test",
    "member": "member@hive.test",
    "applicant": "applicant@hive.test",
}
