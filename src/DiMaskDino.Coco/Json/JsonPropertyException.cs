using System.Text.Json;

namespace DiMaskDino.Coco.Json;

/// <summary>
/// A problem with one property of an object read by a hand-written converter. System.Text.Json fills
/// <see cref="JsonException.Path"/> with the object's path; <see cref="Property"/> completes it.
/// </summary>
public sealed class JsonPropertyException(string property, string message) : JsonException(message)
{
    public string Property { get; } = property;
}
