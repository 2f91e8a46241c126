using System.Text.Json.Serialization;

namespace DiMaskDino.Contracts.Labels;

/// <summary>Which post-processing turns the model's outputs into the written instances (<c>--postprocess</c>; docs/labels.md).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PostProcessMode>))]
public enum PostProcessMode
{
    /// <summary>Labels a person can accept: DiMaskDino.Inference's <c>LabelPostProcessor</c> applied to the official instances.</summary>
    [JsonStringEnumMemberName("labels")]
    Labels,

    /// <summary>
    /// Evaluation: the official instance inference (model.md §10, MaskDINO <c>instance_inference</c> after
    /// <c>sem_seg_postprocess</c>) as DiMaskDino.Inference's <c>InstancePostProcessor</c> does it: top 100 over queries × classes,
    /// mask-score weighting, masks resized to the padded input, cropped and resized to the original size, threshold 0;
    /// no cleaning. What COCOeval expects and what reproduces the official numbers; used whenever AP is computed.
    /// </summary>
    [JsonStringEnumMemberName("official")]
    Official,
}
