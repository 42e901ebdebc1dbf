"""SNS subscriptions: confirmed at once or pending, and the topic's counts (GetTopicAttributes)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator import Emulator

REGION = "us-east-1"


@pytest.fixture
def topic(emu: Emulator) -> str:
    return str(boto3.client("sns", region_name=REGION).create_topic(Name="failover")["TopicArn"])


def sns() -> Any:
    return boto3.client("sns", region_name=REGION)


def counts(topic_arn: str) -> tuple[int, int, int]:
    found = sns().get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    return (
        int(found["SubscriptionsConfirmed"]),
        int(found["SubscriptionsPending"]),
        int(found["SubscriptionsDeleted"]),
    )


def queue(name: str = "notices") -> tuple[str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(url), str(arn["QueueArn"])


def test_a_queue_of_the_account_is_confirmed_at_once(topic: str) -> None:
    # given a topic with no subscription
    assert counts(topic) == (0, 0, 0)
    url, arn = queue()

    # when the account subscribes its own queue
    subscription = sns().subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]

    # then the subscription is confirmed, counted, and receives what is published
    assert subscription.startswith(topic + ":")
    assert counts(topic) == (1, 0, 0)
    attributes = sns().get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    sns().publish(TopicArn=topic, Message="hello")
    received = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=url)
    assert len(received["Messages"]) == 1


def test_an_email_subscription_is_pending_until_its_owner_confirms(
    emu: Emulator, topic: str
) -> None:
    # when an email address is subscribed
    response = sns().subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")

    # then SNS waits for the address's owner
    assert response["SubscriptionArn"] == "pending confirmation"
    assert counts(topic) == (0, 1, 0)

    # when a wrong token is presented, then it is refused
    with pytest.raises(ClientError) as error:
        sns().confirm_subscription(TopicArn=topic, Token="not-the-token")
    assert error.value.response["Error"]["Code"] == "InvalidParameter"

    # when the owner confirms with the token SNS sent, then the subscription is confirmed
    token = emu.sns.confirmation_token(topic, "ops@example.com")
    arn = sns().confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    assert counts(topic) == (1, 0, 0)
    attributes = sns().get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"


def test_a_pending_endpoint_gets_nothing_and_shows_as_pending(topic: str) -> None:
    # when an https endpoint is subscribed, asking for the ARN
    arn = sns().subscribe(
        TopicArn=topic,
        Protocol="https",
        Endpoint="https://hooks.example.com/failover",
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]

    # then it is pending, and a publish (which would try HTTPS) delivers nothing to it
    attributes = sns().get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "true"
    sns().publish(TopicArn=topic, Message="hello")
    assert counts(topic) == (0, 1, 0)


def test_a_queue_of_another_account_waits_for_its_owner(topic: str) -> None:
    # when the topic owner subscribes another account's queue
    other = "arn:aws:sqs:us-east-1:210987654321:their-queue"
    response = sns().subscribe(TopicArn=topic, Protocol="sqs", Endpoint=other)

    # then the queue's owner must confirm
    assert response["SubscriptionArn"] == "pending confirmation"
    assert counts(topic) == (0, 1, 0)


def test_unsubscribing_counts_as_deleted(topic: str) -> None:
    # given a confirmed queue subscription
    _, arn = queue()
    subscription = sns().subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]

    # when it is removed, then it is counted as deleted, no longer as confirmed
    sns().unsubscribe(SubscriptionArn=subscription)
    assert counts(topic) == (0, 0, 1)
