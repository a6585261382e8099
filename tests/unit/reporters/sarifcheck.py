"""Structural checks of a SARIF 2.1.0 log: the required keys and enums of the OASIS schema.

Written from sarif-schema-2.1.0.json (no network in tests): sarifLog requires version+runs,
run requires tool, tool requires driver, toolComponent requires name, reportingDescriptor
requires id, multiformatMessageString requires text, result requires message, message needs
text or id, physicalLocation needs artifactLocation or address, invocation requires
executionSuccessful, notification requires message; levels are none|note|warning|error.
"""

from __future__ import annotations

from typing import Any

LEVELS = {"none", "note", "warning", "error"}


def _need(obj: Any, keys: tuple[str, ...], where: str, errors: list[str]) -> bool:
    if not isinstance(obj, dict):
        errors.append(f"{where}: not an object")
        return False
    missing = [k for k in keys if k not in obj]
    errors.extend(f"{where}: missing required '{k}'" for k in missing)
    return not missing


def _mfms(obj: Any, where: str, errors: list[str]) -> None:
    if obj is not None and _need(obj, ("text",), where, errors):
        if not isinstance(obj["text"], str):
            errors.append(f"{where}.text: not a string")


def _message(obj: Any, where: str, errors: list[str]) -> None:
    if not isinstance(obj, dict) or not ("text" in obj or "id" in obj):
        errors.append(f"{where}: message needs 'text' or 'id'")


def validate_sarif(log: Any) -> list[str]:
    """Every violation found (empty list: valid as far as these checks go)."""
    errors: list[str] = []
    if not isinstance(log, dict):
        return ["sarifLog: not an object"]
    _need(log, ("version", "runs"), "sarifLog", errors)
    if log.get("version") != "2.1.0":
        errors.append("sarifLog.version: must be '2.1.0'")
    if "$schema" in log and not str(log["$schema"]).startswith(("http://", "https://")):
        errors.append("sarifLog.$schema: not a URI")
    runs = log.get("runs")
    if not isinstance(runs, list):
        return [*errors, "sarifLog.runs: not an array"]
    for ri, run in enumerate(runs):
        w = f"runs[{ri}]"
        if not _need(run, ("tool",), w, errors):
            continue
        tool = run["tool"]
        if not _need(tool, ("driver",), f"{w}.tool", errors):
            continue
        driver = tool["driver"]
        _need(driver, ("name",), f"{w}.tool.driver", errors)
        rules = driver.get("rules", []) if isinstance(driver, dict) else []
        ids: list[str] = []
        for i, rd in enumerate(rules):
            rw = f"{w}.tool.driver.rules[{i}]"
            if not _need(rd, ("id",), rw, errors):
                continue
            ids.append(rd["id"])
            _mfms(rd.get("shortDescription"), f"{rw}.shortDescription", errors)
            _mfms(rd.get("fullDescription"), f"{rw}.fullDescription", errors)
            _mfms(rd.get("help"), f"{rw}.help", errors)
            conf = rd.get("defaultConfiguration")
            if conf is not None and conf.get("level", "warning") not in LEVELS:
                errors.append(f"{rw}.defaultConfiguration.level: bad level")
            if "helpUri" in rd and "://" not in rd["helpUri"]:
                errors.append(f"{rw}.helpUri: not a URI")
        if len(set(ids)) != len(ids):
            errors.append(f"{w}.tool.driver.rules: duplicate ids")
        for ii, inv in enumerate(run.get("invocations", [])):
            iw = f"{w}.invocations[{ii}]"
            if _need(inv, ("executionSuccessful",), iw, errors):
                for ni, note in enumerate(inv.get("toolExecutionNotifications", [])):
                    if _need(note, ("message",), f"{iw}.toolExecutionNotifications[{ni}]", errors):
                        _message(note["message"], f"{iw}.notification[{ni}].message", errors)
        for i, res in enumerate(run.get("results", [])):
            rw = f"{w}.results[{i}]"
            if not _need(res, ("message",), rw, errors):
                continue
            _message(res["message"], f"{rw}.message", errors)
            if res.get("level", "warning") not in LEVELS:
                errors.append(f"{rw}.level: bad level")
            if "ruleIndex" in res:
                ix = res["ruleIndex"]
                if (
                    not isinstance(ix, int)
                    or not 0 <= ix < len(ids)
                    or ids[ix] != res.get("ruleId")
                ):
                    errors.append(f"{rw}.ruleIndex: does not point at ruleId")
            for li, loc in enumerate(res.get("locations", [])):
                pl = loc.get("physicalLocation")
                lw = f"{rw}.locations[{li}].physicalLocation"
                if pl is None:
                    continue
                if "artifactLocation" not in pl and "address" not in pl:
                    errors.append(f"{lw}: needs artifactLocation or address")
                al = pl.get("artifactLocation", {})
                if "uri" in al and (not isinstance(al["uri"], str) or al["uri"].startswith("/")):
                    errors.append(f"{lw}.artifactLocation.uri: not a relative URI")
                region = pl.get("region")
                if region is not None:
                    sl = region.get("startLine", 1)
                    if not isinstance(sl, int) or sl < 1:
                        errors.append(f"{lw}.region.startLine: must be an integer >= 1")
            fps = res.get("partialFingerprints", {})
            if not isinstance(fps, dict) or not all(isinstance(v, str) for v in fps.values()):
                errors.append(f"{rw}.partialFingerprints: must map to strings")
    return errors
