using Azure;
using Azure.Storage.Queues.Models;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>Turns the Storage queue's "your pop receipt is stale" answers into <see cref="MessageLockLostException"/>.</summary>
internal static class LockLost
{
    /// <summary>
    /// 404 (the message is gone: completed or dead-lettered by someone else) or 400 PopReceiptMismatch (another
    /// receiver got the message after our visibility timeout ran out).
    /// </summary>
    public static bool Is(RequestFailedException e) =>
        e.Status == 404 || (e.Status == 400 && e.ErrorCode == QueueErrorCode.PopReceiptMismatch);

    public static async Task<T> TranslateAsync<T>(Func<Task<T>> call, string queue, string messageId)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException e) when (Is(e))
        {
            throw new MessageLockLostException(
                $"the lock on message \"{messageId}\" in queue \"{queue}\" expired and the message was received again or settled elsewhere; it may be delivered again",
                e);
        }
    }
}
