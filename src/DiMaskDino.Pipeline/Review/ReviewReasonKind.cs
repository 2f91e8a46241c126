using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Review;

/// <summary>Why an image's labels may need a person; the JSON and CSV names are the snake_case ones.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReviewReasonKind>))]
public enum ReviewReasonKind
{
    /// <summary>The instance's query scores another class almost as high (or higher).</summary>
    [JsonStringEnumMemberName("low_class_margin")]
    LowClassMargin,

    /// <summary>The instance's score is just above the score threshold.</summary>
    [JsonStringEnumMemberName("near_threshold")]
    NearThreshold,

    /// <summary>The model's box and the mask's tight box disagree (DI-MaskDINO's detection–segmentation imbalance).</summary>
    [JsonStringEnumMemberName("box_mask_disagreement")]
    BoxMaskDisagreement,

    /// <summary>The mask falls apart into many connected parts.</summary>
    [JsonStringEnumMemberName("many_parts")]
    ManyParts,

    /// <summary>The model found nothing in the image.</summary>
    [JsonStringEnumMemberName("no_instance")]
    NoInstance,
}
