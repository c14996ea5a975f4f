"""New passwords: the weak ones an attack script tries first are refused, whatever their
case, leetspeak or padding (NIST SP 800-63B section 5.1.1.2; OWASP ASVS V2.1.1)."""

from __future__ import annotations

import pytest

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.services.accounts import DEMO_USERS, PasswordRules, breached_passwords

RULES = PasswordRules(site_words=("Haematology laboratory", "St Jude Hospital"))

WEAK = [
    "marrowscope",  # the product name
    "Marrowscope2024!",
    "M@rr0wsc0pe#1",
    "P@ssw0rd",
    "P@ssw0rd2024!",
    "Summer2024",
    "Summer2024!!",
    "haematology",
    "Haematology#1",
    "H@ematology2025",
    "StJude2024!!",
    "pathologist-demo",
    "pathologist2024",
    "Qwertyuiop12",
    "123456789012",
    "aaaaaaaaaaaaaaa",
    "Welcome2024!!",
    "Password123!",
]


@pytest.mark.parametrize("password", WEAK)
def test_a_weak_password_is_refused_for_a_pathologist(password: str) -> None:
    with pytest.raises(InvalidInput, match="password"):
        RULES.check(password, "pathologist", Role.PATHOLOGIST, "Dr Pia Pathologist")


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda d: d.username)
def test_no_demo_password_can_be_chosen_by_anyone(demo: object) -> None:
    with pytest.raises(InvalidInput):
        RULES.check(demo.password, "someone", Role.NURSE)  # type: ignore[attr-defined]


def test_the_username_with_digits_is_refused() -> None:
    with pytest.raises(InvalidInput, match="username|built on"):
        RULES.check("mgreenwood1987", "mgreenwood", Role.NURSE)


def test_staff_need_twelve_characters_patients_eight() -> None:
    with pytest.raises(InvalidInput, match="12 characters"):
        RULES.check("kettle plum", "nina", Role.NURSE)  # 11

    RULES.check("kettle plum!", "nina", Role.NURSE)  # 12
    RULES.check("plum kite", "pat", Role.PATIENT)  # 9


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "kettle tray at seven", "9#kq!2Lm@xZ4", "marrow tray at seven"],
)
def test_a_long_or_random_password_is_accepted(password: str) -> None:
    RULES.check(password, "pathologist", Role.PATHOLOGIST, "Dr Pia Pathologist")


def test_the_breached_list_is_large() -> None:
    listed = breached_passwords()

    assert len(listed) > 30_000
    assert {"password", "summer", "dragon", "iloveyou"} <= listed
