"""Every producer -> consumer path in one environment's templates, with the statements allowing it.

A path crosses services (alarm -> topic, rule -> queue, schedule -> function, queue -> function).
AWS allows it only if each side that applies does: the sender's IAM policy (its role, when it has
one), the consumer's resource policy (when the sender is a service principal) and the key policy
(when a customer-managed key encrypts the consumer). `walk` finds
every path in the templates and, for each side, the statement that allows it, or raises
`MissingPermissionError` naming the side that does not. docs/infrastructure.md's table is `table()`:

    .venv/bin/python -m tests.infra.delivery_paths   # prints the table for the doc
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.nag import render
from tests.infra.cfn import as_list, role_statements

ACCOUNT = {"Ref": "AWS::AccountId"}
NONE = "-"


class MissingPermissionError(AssertionError):
    """A path one side of which does not allow."""


@dataclass(frozen=True)
class Path:
    """One delivery path and the statement on each side that allows it."""

    producer: str
    consumer: str
    sender: str
    """The sender's IAM statement (its role), or NONE for a service principal without a role."""
    resource_policy: str
    """The consumer's resource-policy statement, or NONE where the sender's role suffices."""
    key_policy: str
    """The key-policy statement, or NONE where no customer-managed key is involved."""


def ref(value: Any) -> str | None:
    """The logical ID a Ref / Fn::GetAtt names (None for anything else)."""
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    return None


def wildcard(text: str, pattern: str) -> bool:
    """IAM's matching: `*` any run of characters, `?` one; everything else literally."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def matches(action: str, allowed: Any) -> bool:
    """Whether `action` is among the (possibly wildcard) actions of a statement."""
    return any(wildcard(action.lower(), a.lower()) for a in as_list(allowed))


def services(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    return as_list(principal.get("Service", [])) if isinstance(principal, dict) else []


def describe(statement: dict[str, Any]) -> str:
    """One statement in one line: who, what, on what, under which conditions."""
    who = ", ".join(services(statement))
    actions = ", ".join(as_list(statement["Action"]))
    text = f"Allow {who + ' ' if who else ''}{actions}"
    if not who:  # an IAM statement: what it allows on
        text += " on " + ", ".join(render(r) for r in as_list(statement["Resource"]))
    conditions = []
    for operator, pairs in statement.get("Condition", {}).items():
        for key, value in pairs.items():
            shown = ", ".join(render(v) for v in as_list(value))
            conditions.append(f"{key} {operator} {shown}")
    if conditions:
        text += " if " + " and ".join(conditions)
    return text


class Environment:
    """The templates of one environment, searchable together."""

    def __init__(self, templates: dict[str, Template]) -> None:
        self.templates = {name: t.to_json() for name, t in templates.items()}
        self.ingest = self.templates["Ingest"]
        (self.topic_id,) = [
            lid for lid, r in self.ingest["Resources"].items() if r["Type"] == "AWS::SNS::Topic"
        ]
        self.raw = templates

    def resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        return self.templates[stack]["Resources"][logical_id]

    def of_type(self, resource_type: str):
        for stack, template in self.templates.items():
            for logical_id, resource in template["Resources"].items():
                if resource["Type"] == resource_type:
                    yield stack, logical_id, resource

    def target(self, stack: str, value: Any) -> tuple[str, str]:
        """(stack, logical ID) an ARN value points at; an import is the Ingest topic's export."""
        if isinstance(value, dict) and "Fn::ImportValue" in value:
            exported = [
                output["Value"] for output in self.ingest.get("Outputs", {}).values()
                if output.get("Export", {}).get("Name") == value["Fn::ImportValue"]
            ]
            assert exported == [{"Ref": self.topic_id}], f"unexpected import {value}"
            return "Ingest", self.topic_id
        logical_id = ref(value)
        assert logical_id is not None, f"{stack}: a target that is not ours: {value}"
        return stack, logical_id

    # -- resource and key policies -------------------------------------------------------------
    def resource_policy(self, stack: str, logical_id: str) -> list[dict[str, Any]]:
        """Statements of the topic or queue policy attached to a resource."""
        statements = []
        for policy_type, field in (("AWS::SNS::TopicPolicy", "Topics"),
                                   ("AWS::SQS::QueuePolicy", "Queues")):
            for _, _, policy in self.of_type(policy_type):
                if {"Ref": logical_id} in policy["Properties"][field]:
                    statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return statements

    def key_of(self, stack: str, logical_id: str) -> str | None:
        """The customer-managed key (logical ID, same stack) encrypting a topic or queue."""
        properties = self.resource(stack, logical_id)["Properties"]
        return ref(properties.get("KmsMasterKeyId"))

    def key_statement(self, stack: str, key_id: str, service: str, actions: list[str],
                      source_arn: str | None) -> dict[str, Any]:
        statements = self.resource(stack, key_id)["Properties"]["KeyPolicy"]["Statement"]
        for statement in statements:
            if (statement["Effect"] == "Allow" and service in services(statement)
                    and all(matches(a, statement["Action"]) for a in actions)
                    and conditions_hold(statement, source_arn)):
                return statement
        raise MissingPermissionError(f"key {key_id}: no Allow for {service} {actions}")

    def service_allowed(self, stack: str, logical_id: str, service: str, action: str,
                        source_arn: str) -> dict[str, Any]:
        """The resource-policy statement letting `service` do `action` for `source_arn`."""
        for statement in self.resource_policy(stack, logical_id):
            if (statement["Effect"] == "Allow" and service in services(statement)
                    and matches(action, statement["Action"])
                    and conditions_hold(statement, source_arn)):
                if "aws:SourceArn" not in str(statement.get("Condition")):
                    raise MissingPermissionError(
                        f"{logical_id}: {service} allowed without aws:SourceArn"
                    )
                return statement
        raise MissingPermissionError(
            f"{stack}/{logical_id}: no resource policy lets {service} {action} for {source_arn}"
        )

    def role_allows(self, stack: str, role_value: Any, action: str,
                    resource_value: Any) -> dict[str, Any]:
        role_id = ref(role_value)
        target = resource_value if isinstance(resource_value, str) else render(resource_value)
        for statement in role_statements(self.raw[stack], role_id):
            if statement["Effect"] != "Allow" or not matches(action, statement["Action"]):
                continue
            if any(render(r) == target or wildcard(target, render(r))
                   for r in as_list(statement["Resource"])):
                return statement
        raise MissingPermissionError(f"{stack}: role {role_id} may not {action} on {target}")


def conditions_hold(statement: dict[str, Any], source_arn: str | None) -> bool:
    """Whether a request from `source_arn` (rendered; None: the request carries none) in this
    account meets the statement's source conditions (other conditions are not about sources)."""
    for operator, pairs in statement.get("Condition", {}).items():
        for key, value in pairs.items():
            if key == "aws:SourceAccount":
                if source_arn is None or value != ACCOUNT:
                    return False
            elif key == "aws:SourceArn":
                if source_arn is None:
                    return False
                patterns = [render(v) for v in as_list(value)]
                if operator == "ArnEquals" and source_arn not in patterns:
                    return False
                if operator == "ArnLike" and not any(
                    wildcard(source_arn, p) for p in patterns
                ):
                    return False
    return True


def arn(service: str, region: str, resource: str) -> str:
    return f"arn:<AWS::Partition>:{service}:{region}:<AWS::AccountId>:{resource}"


def walk(templates: dict[str, Template], region: str) -> list[Path]:
    """Every path of one environment, each with the statements that allow it."""
    env = Environment(templates)
    paths: list[Path] = []
    paths += _alarms(env, region)
    paths += _rules(env, region)
    paths += _schedules(env, region)
    paths += _event_source_mappings(env)
    paths += _destinations(env)
    return paths


def _to_topic_or_queue(env: Environment, producer: str, stack: str, target: Any, service: str,
                       source_arn: str, source_for_key: str | None) -> Path:
    consumer_stack, consumer_id = env.target(stack, target)
    consumer = env.resource(consumer_stack, consumer_id)
    action = "sns:Publish" if consumer["Type"] == "AWS::SNS::Topic" else "sqs:SendMessage"
    allowed = env.service_allowed(consumer_stack, consumer_id, service, action, source_arn)
    key_id = env.key_of(consumer_stack, consumer_id)
    key = NONE
    if key_id:
        key = describe(env.key_statement(
            consumer_stack, key_id, service, ["kms:GenerateDataKey", "kms:Decrypt"],
            source_for_key,
        ))
    elif consumer["Type"] == "AWS::SQS::Queue":
        assert consumer["Properties"].get("SqsManagedSseEnabled", True) is not False
    kind = "topic" if action == "sns:Publish" else "queue"
    return Path(producer, f"{kind} {consumer_id}", NONE, describe(allowed), key)


def _alarms(env: Environment, region: str) -> list[Path]:
    paths = []
    for stack, _, alarm in env.of_type("AWS::CloudWatch::Alarm"):
        name = alarm["Properties"].get("AlarmName")
        if not isinstance(name, str):
            raise MissingPermissionError(
                f"{stack}: an alarm without a name cannot match aws:SourceArn"
            )
        source = arn("cloudwatch", region, f"alarm:{name}")
        actions = alarm["Properties"].get("AlarmActions", [])
        assert actions, f"{stack}: alarm {name} notifies nobody"
        for action in actions:
            paths.append(_to_topic_or_queue(env, f"alarm {name}", stack, action,
                                            "cloudwatch.amazonaws.com", source, source))
    return paths


def _rules(env: Environment, region: str) -> list[Path]:
    paths = []
    for stack, logical_id, rule in env.of_type("AWS::Events::Rule"):
        name = rule["Properties"].get("Name")
        # A rule CDK names gets a generated name: its policy statements name its ARN (GetAtt).
        source = (arn("events", region, f"rule/{name}") if isinstance(name, str)
                  else render({"Fn::GetAtt": [logical_id, "Arn"]}))
        label = f"rule {name if isinstance(name, str) else logical_id}"
        for target in rule["Properties"]["Targets"]:
            # EventBridge's requests to KMS carry no source keys: the key statement has none.
            paths.append(_to_topic_or_queue(env, label, stack, target["Arn"],
                                            "events.amazonaws.com", source, None))
            dead_letters = target.get("DeadLetterConfig", {}).get("Arn")
            if dead_letters is not None:
                path = _to_topic_or_queue(env, f"{label} (undeliverable)", stack, dead_letters,
                                          "events.amazonaws.com", source, None)
                paths.append(path)
    return paths


def _schedules(env: Environment, region: str) -> list[Path]:
    paths = []
    for stack, logical_id, schedule in env.of_type("AWS::Scheduler::Schedule"):
        target = schedule["Properties"]["Target"]
        role = target["RoleArn"]
        trust = env.resource(stack, ref(role))["Properties"]["AssumeRolePolicyDocument"]
        (assume,) = trust["Statement"]
        group = arn("scheduler", region, "schedule-group/default")
        if not (services(assume) == ["scheduler.amazonaws.com"]
                and assume.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount")
                == ACCOUNT and render(assume["Condition"]["StringEquals"].get(
                    "aws:SourceArn")) == group):
            raise MissingPermissionError(f"{stack}: the schedule role's trust has no source "
                                         "conditions")
        invoke = env.role_allows(stack, role, "lambda:InvokeFunction", target["Arn"])
        paths.append(Path(f"schedule {logical_id}", f"function {ref(target['Arn'])}",
                          describe(invoke) + " (role trusts " + describe(assume).removeprefix(
                              "Allow ") + ")", NONE, NONE))
        dead_letters = target["DeadLetterConfig"]["Arn"]
        send = env.role_allows(stack, role, "sqs:SendMessage", dead_letters)
        paths.append(Path(f"schedule {logical_id} (undeliverable)",
                          f"queue {ref(dead_letters)}", describe(send), NONE, NONE))
    return paths


def _function_role(env: Environment, stack: str, function_value: Any) -> Any:
    function = env.resource(stack, ref(function_value))
    return function["Properties"]["Role"]


def _event_source_mappings(env: Environment) -> list[Path]:
    paths = []
    for stack, _, mapping in env.of_type("AWS::Lambda::EventSourceMapping"):
        properties = mapping["Properties"]
        role = _function_role(env, stack, properties["FunctionName"])
        receive = None
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                       "sqs:ChangeMessageVisibility"):
            receive = env.role_allows(stack, role, action, properties["EventSourceArn"])
        assert receive is not None
        paths.append(Path(f"queue {ref(properties['EventSourceArn'])}",
                          f"function {ref(properties['FunctionName'])} (event source mapping)",
                          describe(receive), NONE, NONE))
    return paths


def _destinations(env: Environment) -> list[Path]:
    paths = []
    for stack, _, config in env.of_type("AWS::Lambda::EventInvokeConfig"):
        properties = config["Properties"]
        role = _function_role(env, stack, properties["FunctionName"])
        for kind in ("OnFailure", "OnSuccess"):
            destination = properties.get("DestinationConfig", {}).get(kind)
            if destination:
                send = env.role_allows(stack, role, "sqs:SendMessage", destination["Destination"])
                paths.append(Path(f"function {ref(properties['FunctionName'])} ({kind})",
                                  f"queue {ref(destination['Destination'])}",
                                  describe(send), NONE, NONE))
    return paths


HEADER = ("| producer | consumer | sender's IAM policy | resource policy | key policy |\n"
          "|---|---|---|---|---|\n")
STACK_INSTANCE_SUFFIX = (
    '{"Fn::Select":[0,{"Fn::Split":["-",{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}'
    "]}]}]}]}"
)


def labels(stage: Any) -> dict[str, str]:
    """Logical ID -> construct path in the stage (`Ingest/Alerts/Topic`): what the doc shows."""
    import aws_cdk as cdk

    found = {}
    for construct in stage.node.find_all():
        if isinstance(construct, cdk.CfnResource):
            stack = cdk.Stack.of(construct)
            logical_id = stack.resolve(construct.logical_id)
            path = construct.node.path.split("/", 1)[1]
            found[logical_id] = path.removesuffix("/Resource")
    return found


def table(paths: list[Path], env_name: str, names: dict[str, str]) -> str:
    """The markdown table of docs/infrastructure.md: construct paths instead of logical IDs,
    the environment's name as `<env>`."""
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?!\w)")

    def cell(text: str) -> str:
        text = text.replace(STACK_INSTANCE_SUFFIX, "<stack id>")
        text = pattern.sub(lambda m: names[m.group(0)], text)
        return text.replace(f"spotify-etl-{env_name}", "spotify-etl-<env>").replace("|", "\\|")

    rows = [
        f"| {cell(p.producer)} | {cell(p.consumer)} | {cell(p.sender)} | "
        f"{cell(p.resource_policy)} | {cell(p.key_policy)} |\n"
        for p in paths
    ]
    return HEADER + "".join(rows)


def stage_templates(stage: Any) -> dict[str, Template]:
    """The templates of a stage, by stack id."""
    return {name: Template.from_stack(getattr(stage, attribute))
            for name, attribute in (("Ingest", "ingest"), ("Transform", "transform"),
                                    ("Catalog", "catalog"), ("HistoryImport", "history_import"),
                                    ("Report", "report"))}


if __name__ == "__main__":  # pragma: no cover - prints the doc's table
    import aws_cdk as cdk

    from infra.config import CONTEXT_KEY, parse_config
    from infra.stage import SpotifyEtlStage
    from tests.infra.conftest import cdk_json_context

    context = cdk_json_context()
    settings = parse_config(context[CONTEXT_KEY]).select("dev")[0]
    stage = SpotifyEtlStage(cdk.App(context=context), settings)
    paths = walk(stage_templates(stage), settings.region)
    print(table(paths, settings.name, labels(stage)), end="")
