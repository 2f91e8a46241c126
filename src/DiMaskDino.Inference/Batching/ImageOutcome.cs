using DiMaskDino.Inference.PostProcessing;

namespace DiMaskDino.Inference.Batching;

/// <summary>
/// The outcome for one <see cref="ImageInput{TTag}"/>, yielded in input order with the input's <see cref="Tag"/>.
/// Exactly one of success or failure: on success <see cref="FailureReason"/> is null, <see cref="Width"/>×<see cref="Height"/>
/// is the displayed size (after EXIF orientation) and <see cref="Instances"/> may be empty; on failure
/// <see cref="FailureReason"/> says precisely why in one line, the size is 0×0 and <see cref="Instances"/> is empty.
/// </summary>
/// <param name="Instances">Best first, in original-image pixels (see <see cref="InstancePrediction"/>).</param>
public sealed record ImageOutcome<TTag>(TTag Tag, int Width, int Height, IReadOnlyList<InstancePrediction> Instances, string? FailureReason)
{
    public bool Succeeded => FailureReason is null;

    internal static ImageOutcome<TTag> Failure(TTag tag, string reason) => new(tag, 0, 0, [], reason);
}
