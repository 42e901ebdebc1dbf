"""Multi-region failover control plane: the logic behind the Step Functions state machine."""
