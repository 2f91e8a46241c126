namespace DiMaskDino.Pipeline.Queues;

/// <summary>A message to send: a deterministic id (for example <c>{jobId}:{shard}</c>) and a small JSON body.</summary>
public sealed record WorkMessage(string Id, BinaryData Body);
