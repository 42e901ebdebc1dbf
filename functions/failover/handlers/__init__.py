"""One thin module per Lambda function; each is one state of the failover state machine."""
