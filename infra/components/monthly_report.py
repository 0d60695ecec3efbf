"""The monthly report: schedule (the 1st, in the schedule's time zone) -> report Lambda ->
`reports/<YYYY-MM>.html` and `.png` in the bucket, and the owner's mail through SES.

The function runs the report's named queries in the environment's workgroup, so it holds what
Athena needs of its caller: the workgroup, the Glue database and tables, the objects the
queries read (the Iceberg tables under `tables/`, `streams` under `processed/streams/`, the run
log) and the workgroup's results prefix. It writes under
`reports/` only, which nothing listens to. It mails only from the configured address's SES
identity (verified by the owner; docs/deploying.md). Runtime code:
`lambdas/spotify_runtime/report/`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from spotify_runtime import contract, layout

from infra.components.data_lake import grant_list, grant_object_keys, grant_objects
from infra.components.extraction import SCHEDULE_MAX_EVENT_AGE, SCHEDULE_RETRY_ATTEMPTS
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms
from infra.constructs.lambda_code import report_code
from infra.constructs.nag import DLQ_REASON, acknowledge, acknowledge_wildcard_resource
from infra.constructs.python_function import PythonFunction
from infra.constructs.queues import secure_queue
from infra.function_environments import report_environment
from infra.naming import glue_database_name, resource_prefix

GLUE_TABLES_REASON = (
    "Athena reads the catalog with the caller's permissions: the report's queries read the "
    "`listening` view and the tables under it, all in this one database and nothing outside it."
)


class MonthlyReport(Construct):
    """`function` (PythonFunction), its schedule and the schedule's dead-letter queue, with the
    function's grants and error alarm."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings,
                 bucket: s3.IBucket, alarms: Alarms) -> None:
        super().__init__(scope, construct_id)
        workgroup, database = resource_prefix(settings), glue_database_name(settings)
        address = settings.report_address
        self.function = PythonFunction(
            self, "Report", settings=settings, code=report_code(),
            handler=contract.REPORT_HANDLER,
            description="Writes the previous month's listening report under reports/ and "
                        "mails it to the owner",
            timeout=cdk.Duration.seconds(contract.REPORT_TIMEOUT_SECONDS),
            memory_size=contract.REPORT_MEMORY_MB,
            environment=report_environment(settings, bucket=bucket.bucket_name,
                                           workgroup=workgroup, database=database,
                                           email=address),
            # The schedule retries delivery; a report that failed is not run twice on its own
            # (the error alarm says so, and a re-run names the month).
            retry_attempts=0,
        )
        role = self.function.role
        self._grant_queries(role, bucket, workgroup, database)
        grant_objects(bucket, role, ["s3:PutObject"], layout.REPORTS)
        if address:
            identity = cdk.Stack.of(self).format_arn(service="ses", resource="identity",
                                                     resource_name=address)
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=["ses:SendRawEmail"], resources=[identity]))
        self.schedule_dead_letters = self._schedule(settings)
        alarms.on_errors("MonthlyReportErrors", self.function.function)
        alarms.on_messages("MonthlyReportScheduleDeadLetters", self.schedule_dead_letters)

    def _grant_queries(self, role: iam.IRole, bucket: s3.IBucket, workgroup: str,
                       database: str) -> None:
        """What Athena needs of the caller to run the report's queries in `workgroup`."""
        stack = cdk.Stack.of(self)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["athena:StartQueryExecution", "athena:GetQueryExecution",
                     "athena:GetQueryResults", "athena:StopQueryExecution"],
            resources=[stack.format_arn(service="athena", resource="workgroup",
                                        resource_name=workgroup)]))
        tables = stack.format_arn(service="glue", resource="table",
                                  resource_name=f"{database}/*")
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                     "glue:GetPartition", "glue:GetPartitions"],
            resources=[stack.format_arn(service="glue", resource="catalog"),
                       stack.format_arn(service="glue", resource="database",
                                        resource_name=database),
                       tables]))
        acknowledge_wildcard_resource(role, tables, GLUE_TABLES_REASON)
        # Athena plans an Iceberg table from its metadata files and reads its data files,
        # all under tables/, with the caller's permissions.
        grant_objects(bucket, role, ["s3:GetObject"], layout.TABLES, layout.STREAMS)
        grant_object_keys(bucket, role, ["s3:GetObject"], layout.RUN_LOG_OBJECTS)
        # The results: Athena writes them, and reads them back, with the caller's permissions.
        grant_objects(bucket, role, ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                      layout.ATHENA_RESULTS)
        grant_list(bucket, role, layout.TABLES, layout.STREAMS, layout.RUN_LOG,
                   layout.ATHENA_RESULTS)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:GetBucketLocation"], resources=[bucket.bucket_arn]))

    def _schedule(self, settings: EnvironmentSettings) -> sqs.Queue:
        """The monthly schedule (report_schedule_cron in schedule_time_zone); its DLQ."""
        dead_letters = secure_queue(self, "ScheduleDeadLetters", settings=settings)
        acknowledge(dead_letters, "AwsSolutions-SQS3", DLQ_REASON)
        stack = cdk.Stack.of(self)
        role = iam.Role(self, "ScheduleRole", assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={"StringEquals": {
                "aws:SourceAccount": stack.account,
                "aws:SourceArn": stack.format_arn(service="scheduler",
                                                  resource="schedule-group",
                                                  resource_name="default")}}))
        acknowledge_wildcard_resource(
            role, f"{self.function.function.function_arn}:*",
            "Added by the scheduler target's grantInvoke: the report function and its "
            "versions/aliases, no other function.")
        scheduler.Schedule(
            self, "Monthly",
            description=f"spotify-etl {settings.name}: the monthly report",
            schedule=scheduler.ScheduleExpression.expression(
                f"cron({settings.report_schedule_cron})",
                cdk.TimeZone.of(settings.schedule_time_zone)),
            target=scheduler_targets.LambdaInvoke(
                self.function.function,
                # The scheduled time picks the month (the one before it, in the same zone).
                input=scheduler.ScheduleTargetInput.from_object(
                    {contract.RUN_AT_FIELD: scheduler.ContextAttribute.scheduled_time}),
                retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                max_event_age=SCHEDULE_MAX_EVENT_AGE,
                dead_letter_queue=dead_letters,
                role=role,
            ),
        )
        return dead_letters
