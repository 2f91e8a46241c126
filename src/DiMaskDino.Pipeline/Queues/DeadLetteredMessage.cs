namespace DiMaskDino.Pipeline.Queues;

/// <summary>A message that ended in the dead-letter (poison) queue, and why.</summary>
public sealed record DeadLetteredMessage(string Id, BinaryData Body, int DeliveryCount, string Reason);
