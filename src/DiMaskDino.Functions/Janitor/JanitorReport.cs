namespace DiMaskDino.Functions.Janitor;

/// <summary>What one janitor run did.</summary>
/// <param name="ShardsFailed">dead-lettered shards recorded as failed (their images go to failures.json)</param>
/// <param name="JobsFailed">jobs marked failed: stuck past a deadline, or whose finalize message was dead-lettered</param>
/// <param name="FinalizesResent">complete but unfinalized jobs whose finalize message was sent again</param>
/// <param name="ComparisonsWritten">checkpoint comparisons written for completed evaluations that had none</param>
public sealed record JanitorReport(int ShardsFailed, int JobsFailed, int FinalizesResent, int ComparisonsWritten)
{
    /// <summary>Dead letters on the shard and finalize queues that are no message of ours (poison: not base64, not JSON), each also logged with its reason.</summary>
    public int UnreadableDeadLetters { get; init; }
}
