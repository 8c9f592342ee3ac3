"""The phone survey's address as the standee's QR code holds it (``desktop.survey.standee``)."""

from __future__ import annotations

from desktop.survey.standee import phone_survey_url


def test_the_address_is_the_central_systems_page_of_the_post_and_service() -> None:
    url = phone_survey_url("https://posko-mudik.id/", "MRK-01", "PELABUHAN")
    assert url == "https://posko-mudik.id/survei/MRK-01/PELABUHAN"


def test_codes_are_path_quoted() -> None:
    url = phone_survey_url("https://pusat.example/posko", "MRK/01", "REST AREA?")
    assert url == "https://pusat.example/posko/survei/MRK%2F01/REST%20AREA%3F"


def test_no_central_system_no_address() -> None:
    assert phone_survey_url("", "MRK-01", "PELABUHAN") == ""
