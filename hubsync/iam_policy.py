"""The least-privilege IAM policy hubsync runs with, derived from the contact property table.

The channels table is read only with a projection (`dynamodb:Select` must be
SPECIFIC_ATTRIBUTES, which a request without one never is) of the attributes hubsync reads
(`dynamodb:Attributes`): a request for any other attribute, the creators' OAuth tokens
included, is denied by AWS whatever the code asks. Both conditions are needed: a request that
names no attribute at all satisfies `ForAllValues` and would return whole items. The state
table is read and written; the alert topic is only published to.

`python -m hubsync.iam_policy --region R --account A` prints it for an account; `make
iam-policy` writes the example in deploy/aws/iam-policy.json (AWS's documentation account).
"""

from __future__ import annotations

import json
from typing import Any

import click

from hubsync.domain.properties import CONTACT_PROPERTIES

CHANNEL_READ_ACTIONS = ("dynamodb:Query", "dynamodb:Scan")
# Links, the last run and every other record kind keyed pk/sk; DescribeTable checks its key.
STATE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
ALERT_ACTIONS = ("sns:Publish",)
SPECIFIC_ATTRIBUTES = "SPECIFIC_ATTRIBUTES"


def least_privilege_policy(
    *,
    region: str,
    account: str,
    channels_table: str = "channels",
    state_table: str = "hubsync_state",
    alert_topic: str = "hubsync-alerts",
) -> dict[str, Any]:
    """The IAM policy document for these AWS names."""
    tables = f"arn:aws:dynamodb:{region}:{account}:table"
    channels = f"{tables}/{channels_table}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOnlyTheChannelAttributesHubsyncProjects",
                "Effect": "Allow",
                "Action": list(CHANNEL_READ_ACTIONS),
                "Resource": [channels, f"{channels}/index/*"],
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:Attributes": CONTACT_PROPERTIES.iam_attributes()
                    },
                    "StringEquals": {"dynamodb:Select": SPECIFIC_ATTRIBUTES},
                },
            },
            {
                "Sid": "ReadAndWriteTheStateTable",
                "Effect": "Allow",
                "Action": list(STATE_ACTIONS),
                "Resource": [f"{tables}/{state_table}"],
            },
            {
                "Sid": "PublishAlerts",
                "Effect": "Allow",
                "Action": list(ALERT_ACTIONS),
                "Resource": [f"arn:aws:sns:{region}:{account}:{alert_topic}"],
            },
        ],
    }


def render(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


@click.command()
@click.option("--region", required=True, help="AWS region of the tables and the topic.")
@click.option("--account", required=True, help="AWS account id.")
@click.option("--channels-table", default="channels", show_default=True)
@click.option("--state-table", default="hubsync_state", show_default=True)
@click.option("--alert-topic", default="hubsync-alerts", show_default=True, help="SNS topic name.")
def main(
    region: str, account: str, channels_table: str, state_table: str, alert_topic: str
) -> None:
    """Print hubsync's least-privilege IAM policy."""
    policy = least_privilege_policy(
        region=region,
        account=account,
        channels_table=channels_table,
        state_table=state_table,
        alert_topic=alert_topic,
    )
    click.echo(render(policy), nl=False)


if __name__ == "__main__":
    main()
