"""The same access rules on PostgreSQL: workspace isolation, login with brute-force refusal, CSRF,
forgetting a creator and listings (the API is plain SQLAlchemy; this catches dialect differences)."""

import pytest

from tests.web.api import test_cross_workspace, test_data_protection, test_login_csrf

pytestmark = pytest.mark.postgres


def test_cross_workspace_on_postgres(pg_env):
    test_cross_workspace.test_other_workspace_cannot_read_or_change_objects_by_id(pg_env)
    test_cross_workspace.test_listings_show_only_the_own_workspace(pg_env)
    test_cross_workspace.test_creating_objects_that_point_into_another_workspace_is_refused(pg_env)


def test_login_and_brute_force_on_postgres(pg_env):
    test_login_csrf.test_the_eleventh_failed_login_within_a_minute_is_refused(pg_env)
    test_login_csrf.test_session_forms_need_the_session_csrf_token(pg_env)


def test_forget_creator_on_postgres(pg_env):
    test_data_protection.test_forget_creator_removes_everything_personal_and_keeps_spend(pg_env)


def test_retention_on_postgres(pg_env):
    test_data_protection.test_click_retention_deletes_only_old_raw_clicks(pg_env)
