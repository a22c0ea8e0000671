from bms.jobs.tests import kinds  # noqa: F401  (registers the test job kinds)
