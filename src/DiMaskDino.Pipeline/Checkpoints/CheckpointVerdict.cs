using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// How a checkpoint compares with the current best model on the evaluation dataset (rule in
/// <see cref="CheckpointComparer"/>): with tolerance t AP points, <see cref="Regression"/> when APbox or APmask drops by
/// more than t; <see cref="Better"/> when either rises by more than t and neither drops by more than t (or there is
/// no best model yet); otherwise <see cref="Same"/>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckpointVerdict>))]
public enum CheckpointVerdict
{
    [JsonStringEnumMemberName("better")]
    Better,

    [JsonStringEnumMemberName("same")]
    Same,

    [JsonStringEnumMemberName("regression")]
    Regression,
}
