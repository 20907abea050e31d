"""The home page's suites reuse the community groups of the shared world."""

from tests.community.conftest import groups  # noqa: F401  (a fixture)
