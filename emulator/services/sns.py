"""SNS subscription confirmation, as AWS does it, and the topic's subscription counts.

moto (5.2.5, ``moto/sns``) never confirms nor counts: ``GetTopicAttributes`` reports
``SubscriptionsConfirmed``, ``SubscriptionsPending`` and ``SubscriptionsDeleted`` as ``0``
whatever the topic has (``Topic.subscriptions_confimed`` is set to 0 and never changed), every
subscription says ``PendingConfirmation: false`` and receives messages, and
``ConfirmSubscription`` returns a made-up ARN for any token.

What AWS does (https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html,
https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html,
https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html), and this service with it:

* An Amazon SQS queue or a Lambda function of the subscribing account, a Firehose stream, a
  platform application endpoint or an SMS number is confirmed at once. An SQS queue or a Lambda
  function of *another* account, an email, email-json, http or https endpoint stays pending
  until its owner confirms with the token SNS sent it (``ConfirmSubscription``). Subscribe then
  returns ``SubscriptionArn: "pending confirmation"`` unless ``ReturnSubscriptionArn`` is true.
* A pending subscription has ``PendingConfirmation: "true"`` and receives nothing but the
  confirmation request.
* ``GetTopicAttributes`` counts the topic's confirmed and pending subscriptions, and the
  subscriptions deleted (``Unsubscribe``) from it.
* ``ConfirmSubscription`` with a token SNS sent confirms that subscription and returns its ARN;
  any other token is ``InvalidParameter``. The token an endpoint received is
  :meth:`Sns.confirmation_token` (nothing is delivered to email or http endpoints here).

Not modelled: unconfirmed subscriptions expiring (AWS deletes them after three days) and the
``PendingConfirmation`` placeholder ARN in ``ListSubscriptions``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from ..world import Service, World, register

if TYPE_CHECKING:
    from .._patching import Patcher

__all__ = ["CONFIRMED_AT_ONCE", "Sns"]

#: Protocols SNS confirms without the endpoint's owner, when the endpoint is the subscriber's.
CONFIRMED_AT_ONCE = frozenset({"sqs", "lambda", "firehose", "application", "sms"})
_ARN_ENDPOINTS = frozenset({"sqs", "lambda"})  # confirmed at once only within one account


@register
class Sns(Service):
    """``world.sns``: pending subscriptions and deleted ones. See the module docstring."""

    name = "sns"

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._tokens: dict[str, str] = {}  # token -> subscription ARN (pending ones)
        self._deleted: dict[str, int] = {}  # topic ARN -> subscriptions deleted

    # ------------------------------------------------------------------------ queries

    @staticmethod
    def needs_confirmation(protocol: str, endpoint: str, subscriber_account: str) -> bool:
        """Whether SNS waits for the endpoint's owner to confirm this subscription."""
        if protocol not in CONFIRMED_AT_ONCE:
            return True
        if protocol in _ARN_ENDPOINTS:
            parts = endpoint.split(":")
            return len(parts) < 5 or parts[4] != subscriber_account
        return False

    def is_pending(self, subscription_arn: str) -> bool:
        with self._lock:
            return subscription_arn in self._tokens.values()

    def confirmation_token(self, topic_arn: str, endpoint: str) -> str:
        """The token SNS sent ``endpoint`` for its pending subscription to ``topic_arn``."""
        from moto.sns.models import sns_backends

        account, region = topic_arn.split(":")[4], topic_arn.split(":")[3]
        with self._lock:
            for token, arn in self._tokens.items():
                subscription = sns_backends[account][region].subscriptions.get(arn)
                if (
                    subscription is not None
                    and subscription.endpoint == endpoint
                    and subscription.topic.arn == topic_arn
                ):
                    return token
        raise LookupError(f"no pending subscription of {endpoint} to {topic_arn}")

    def counts(self, topic: Any) -> tuple[int, int, int]:
        """(confirmed, pending, deleted) subscriptions of a moto Topic."""
        subscriptions = [s for s in topic.sns_backend.subscriptions.values() if s.topic is topic]
        with self._lock:
            pending = sum(1 for s in subscriptions if s.arn in self._tokens.values())
            deleted = self._deleted.get(topic.arn, 0)
        return len(subscriptions) - pending, pending, deleted

    # ------------------------------------------------------------------------ changes

    def subscribed(self, subscription: Any, new: bool, subscriber_account: str) -> None:
        if not new:
            return
        pending = self.needs_confirmation(
            subscription.protocol, subscription.endpoint, subscriber_account
        )
        subscription.attributes["PendingConfirmation"] = "true" if pending else "false"
        subscription.attributes["ConfirmationWasAuthenticated"] = "false" if pending else "true"
        if pending:
            with self._lock:
                self._tokens[secrets.token_hex(64)] = subscription.arn

    def confirm(self, backend: Any, topic_arn: str, token: str) -> str:
        from moto.sns.exceptions import SNSInvalidParameter

        with self._lock:
            arn = self._tokens.get(token)
            subscription = backend.subscriptions.get(arn) if arn else None
            if subscription is None or subscription.topic.arn != topic_arn:
                raise SNSInvalidParameter("Invalid token")
            del self._tokens[token]
        subscription.attributes["PendingConfirmation"] = "false"
        subscription.attributes["ConfirmationWasAuthenticated"] = "true"
        return str(subscription.arn)

    def unsubscribed(self, subscription: Any) -> None:
        with self._lock:
            for token, arn in list(self._tokens.items()):
                if arn == subscription.arn:
                    del self._tokens[token]
            topic = subscription.topic.arn
            self._deleted[topic] = self._deleted.get(topic, 0) + 1

    # ------------------------------------------------------------------------ install

    def install(self, patcher: Patcher) -> None:
        from moto.core.responses import ActionResult
        from moto.sns.models import SNSBackend, Subscription, Topic
        from moto.sns.responses import SNSResponse

        model = self
        original_subscribe = SNSBackend.subscribe
        original_unsubscribe = SNSBackend.unsubscribe
        original_publish = Subscription.publish
        original_subscribe_action = SNSResponse.subscribe

        def subscribe(backend: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
            known = backend._find_subscription(topic_arn, endpoint, protocol)
            subscription = original_subscribe(backend, topic_arn, endpoint, protocol)
            model.subscribed(subscription, known is None, backend.account_id)
            return subscription

        def unsubscribe(backend: Any, subscription_arn: str) -> None:
            subscription = backend.subscriptions.get(subscription_arn)
            original_unsubscribe(backend, subscription_arn)
            if subscription is not None:
                model.unsubscribed(subscription)

        def publish(subscription: Any, *args: Any, **kwargs: Any) -> None:
            if model.is_pending(subscription.arn):
                return  # a pending subscription gets nothing but the confirmation request
            original_publish(subscription, *args, **kwargs)

        def subscribe_action(response: Any) -> Any:
            result = original_subscribe_action(response)
            subscription = response.backend._find_subscription(
                response._get_param("TopicArn"),
                response._get_param("Endpoint"),
                response._get_param("Protocol"),
            )
            wants_arn = str(response._get_param("ReturnSubscriptionArn", "false")).lower()
            pending = subscription is not None and model.is_pending(subscription.arn)
            if pending and wants_arn != "true":
                return ActionResult({"SubscriptionArn": "pending confirmation"})
            return result

        def confirm_subscription(response: Any) -> Any:
            from moto.sns.exceptions import SNSNotFoundError

            topic_arn = response._get_param("TopicArn")
            if topic_arn not in response.backend.topics:
                raise SNSNotFoundError("Topic does not exist")
            arn = model.confirm(response.backend, topic_arn, str(response._get_param("Token")))
            return ActionResult({"SubscriptionArn": arn})

        def counter(index: int) -> property:
            def get(topic: Any) -> int:
                return model.counts(topic)[index]

            def ignore(topic: Any, value: int) -> None:
                """moto's Topic.__init__ sets the counters to 0: they are derived here."""

            return property(get, ignore)

        patcher.setattr(SNSBackend, "subscribe", subscribe)
        patcher.setattr(SNSBackend, "unsubscribe", unsubscribe)
        patcher.setattr(Subscription, "publish", publish)
        patcher.setattr(SNSResponse, "subscribe", subscribe_action)
        patcher.setattr(SNSResponse, "confirm_subscription", confirm_subscription)
        # moto's attribute names, typo included ("confimed").
        patcher.setattr(Topic, "subscriptions_confimed", counter(0))
        patcher.setattr(Topic, "subscriptions_pending", counter(1))
        patcher.setattr(Topic, "subscriptions_deleted", counter(2))
