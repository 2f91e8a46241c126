using System.Text.Json.Serialization;

namespace DiMaskDino.Contracts.Labels;

/// <summary>Where a label's box comes from (<see cref="LabelPostProcessorOptions.Box"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BoxSource>))]
public enum BoxSource
{
    /// <summary>The tight box of the cleaned mask: box and mask always agree.</summary>
    [JsonStringEnumMemberName("mask")]
    Mask,

    /// <summary>The box head's box, clipped to the image.</summary>
    [JsonStringEnumMemberName("model")]
    Model,
}
