namespace DiMaskDino.Pipeline.Queues;

/// <summary>The message's lock expired or was settled elsewhere; the work may be redelivered to another receiver.</summary>
public sealed class MessageLockLostException(string message, Exception? innerException = null) : Exception(message, innerException);
