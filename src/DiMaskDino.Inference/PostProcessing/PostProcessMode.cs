using System.Text.Json.Serialization;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>Which post-processing the written instances went through (docs/labels.md).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PostProcessMode>))]
public enum PostProcessMode
{
    /// <summary>
    /// Evaluation: <see cref="InstancePostProcessor"/> as it is (model.md §10: top-k over queries × classes, no
    /// cleaning). What COCOeval expects and what reproduces the paper's AP; used whenever AP is computed.
    /// </summary>
    [JsonStringEnumMemberName("official")]
    Official,

    /// <summary>Labels a person can accept: <see cref="LabelPostProcessor"/> applied to the official instances.</summary>
    [JsonStringEnumMemberName("labels")]
    Labels,
}
