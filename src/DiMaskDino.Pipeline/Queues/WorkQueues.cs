namespace DiMaskDino.Pipeline.Queues;

/// <summary>The pipeline's two queues (<c>Pipeline:ShardQueue</c>, <c>Pipeline:FinalizeQueue</c>) over the adapter <c>Pipeline:QueueKind</c> names.</summary>
public sealed record WorkQueues(IWorkQueue Shards, IWorkQueue Finalize);
