using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DiMaskDino.Pipeline.Queues;

/// <summary>
/// A message whose body cannot be read as the message it should be: no delivery can succeed, so a worker dead-letters
/// it at once with <see cref="Exception.Message"/> as the reason instead of retrying it.
/// </summary>
public sealed class PoisonMessageException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The dead-letter reason prefix (in the style of Service Bus's own reasons).</summary>
    public const string Reason = "MessageNotParsable";

    /// <summary>Reads a message body as <typeparamref name="T"/>; throws <see cref="PoisonMessageException"/> when it is not one.</summary>
    public static T Parse<T>(BinaryData body, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body.ToMemory().Span, type) ?? throw new PoisonMessageException($"{Reason}: {what}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new PoisonMessageException($"{Reason}: {what}: not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }
}
