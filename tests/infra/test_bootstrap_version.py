"""`doctor` asks for the CDK bootstrap version the synthesized templates check for."""

from __future__ import annotations

from spotify_etl.commands.doctor import MIN_BOOTSTRAP_VERSION


def test_the_bootstrap_version_doctor_asks_for_is_what_the_templates_check(dev):
    for template in dev.templates.values():
        rule = template.to_json()["Rules"]["CheckBootstrapVersion"]["Assertions"][0]["Assert"]
        refused = rule["Fn::Not"][0]["Fn::Contains"][0]
        assert refused == [str(version) for version in range(1, MIN_BOOTSTRAP_VERSION)]
