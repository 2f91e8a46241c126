namespace DiMaskDino.Pipeline.Queues;

/// <summary>Dead-letter reasons the adapters themselves give (a handler passes its own reason to <see cref="IReceivedMessage.DeadLetterAsync"/>).</summary>
public static class DeadLetterReasons
{
    /// <summary>The message was delivered <see cref="IWorkQueue.MaxDeliveryCount"/> times without being completed (Service Bus's own wording).</summary>
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";
}
