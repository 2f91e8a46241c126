using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Azure.Queues;

internal static partial class QueueLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Queue {Queue}: message {MessageId} was delivered {DeliveryCount} times without completing; moved to the poison queue")]
    public static partial void MaxDeliveriesExceeded(ILogger logger, string queue, string messageId, int deliveryCount);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Queue {Queue}: Storage message {StorageMessageId} is not a DiMaskDino envelope; moved to the poison queue")]
    public static partial void UnreadableMessage(ILogger logger, string queue, string storageMessageId);
}
