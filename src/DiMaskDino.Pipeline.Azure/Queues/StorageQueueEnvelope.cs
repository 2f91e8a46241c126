using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>
/// What a Storage queue message carries: Storage assigns its own message ids, so our id travels inside, with the
/// body (base64 in JSON). Poison copies add the delivery count and the reason.
/// </summary>
internal sealed record StorageQueueEnvelope(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("body")] byte[] Body,
    [property: JsonPropertyName("deliveryCount")] int? DeliveryCount = null,
    [property: JsonPropertyName("reason")] string? Reason = null)
{
    public BinaryData ToBinaryData() => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(this, StorageQueueJsonContext.Default.StorageQueueEnvelope));

    /// <summary>The envelope in a message body, or null when the body is not one.</summary>
    public static StorageQueueEnvelope? TryRead(BinaryData message)
    {
        try
        {
            return JsonSerializer.Deserialize(message.ToMemory().Span, StorageQueueJsonContext.Default.StorageQueueEnvelope) is { Id: not null, Body: not null } envelope
                ? envelope
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StorageQueueEnvelope))]
internal sealed partial class StorageQueueJsonContext : JsonSerializerContext;
