using System.CommandLine;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Cli.Commands;

/// <summary>The post-processing options <c>label</c> and <c>predict</c> share (docs/labels.md).</summary>
internal sealed class PostProcessArguments
{
    public Option<PostProcessMode> Mode { get; } = LowerCaseEnum.Option(
        "--postprocess", PostProcessMode.Labels,
        "labels (one class per object, no duplicates, clean masks, boxes from the masks) or official (the model's top 100 over queries x classes, as COCO evaluation expects).");

    public Option<BoxSource> Box { get; } = LowerCaseEnum.Option(
        "--box", BoxSource.Mask,
        "labels: each box is the mask's tight box (mask) or the model's box clipped to the image (model).");

    public Option<double> DuplicateIou { get; } = new("--duplicate-iou")
    {
        Description = "labels: of two masks overlapping at least this much (IoU), only the higher-scoring one is kept.",
        DefaultValueFactory = _ => LabelPostProcessorOptions.DefaultDuplicateMaskIou,
    };

    public Option<int> MinSpeckArea { get; } = new("--min-speck-area")
    {
        Description = "labels: mask parts smaller than this many pixels are removed (the largest part always stays).",
        DefaultValueFactory = _ => LabelPostProcessorOptions.DefaultMinSpeckArea,
    };

    public IEnumerable<Option> All => [Mode, Box, DuplicateIou, MinSpeckArea];

    /// <summary>
    /// The mode and the labels-mode settings; bad values are one <see cref="CliInputException"/>. The score threshold is
    /// the caller's to set once the model is known (its default comes from the model's metadata).
    /// </summary>
    public (PostProcessMode Mode, LabelPostProcessorOptions Labels) Resolve(ParseResult parse)
    {
        var iou = parse.GetValue(DuplicateIou);
        if (JobRequestRules.DuplicateMaskIou(iou) is { } iouProblem)
        {
            throw new CliInputException($"{DuplicateIou.Name} {iouProblem}");
        }

        var speck = parse.GetValue(MinSpeckArea);
        if (JobRequestRules.MinSpeckArea(speck) is { } speckProblem)
        {
            throw new CliInputException($"{MinSpeckArea.Name} {speckProblem}");
        }

        return (parse.GetValue(Mode), new LabelPostProcessorOptions
        {
            DuplicateMaskIou = iou,
            MinSpeckArea = speck,
            Box = parse.GetValue(Box),
        });
    }
}
