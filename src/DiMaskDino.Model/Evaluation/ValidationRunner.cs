// Evaluates a model on a COCO-format validation set with our pycocotools-exact COCOeval: APbox and APmask of the final
// output and, optionally, of every decoder layer (the detection/segmentation imbalance DI-MaskDINO targets).

using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;
using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Evaluation;

/// <summary>APbox and APmask of one prediction set ("initial", "layer 0", …, "final").</summary>
public sealed record LayerAp(string Layer, double ApBox, double ApMask);

/// <summary>Final-output evaluations (both IoU types) and the per-layer APs when requested.</summary>
public sealed record ValidationResult(CocoEvaluation Box, CocoEvaluation Mask, IReadOnlyList<LayerAp> PerLayer, int Images)
{
    public double ApBox => Box.Stats[0];

    public double ApMask => Mask.Stats[0];
}

public static class ValidationRunner
{
    /// <param name="canvasSize">square letterbox canvas the images are fitted into (multiple of 32)</param>
    /// <param name="perLayer">also evaluate the initial prediction and every decoder layer (slower: all masks are computed)</param>
    public static ValidationResult Evaluate(
        DiMaskDinoModel model, CocoInstanceDataset dataset, int canvasSize, int batchSize, bool perLayer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        var wasTraining = model.training;
        model.eval();
        try
        {
            var layers = perLayer ? LayerNames(model.Options.DecoderLayers) : ["final"];
            var detections = layers.Select(_ => new List<CocoDetection>()).ToArray();
            var pad = PadColor.ZeroAfter(model.Options.Normalization);
            var letterbox = new Letterbox(canvasSize, canvasSize, pad);
            var postProcessor = new InstancePostProcessor();
            var device = model.parameters().First().device;
            foreach (var batch in EvalLoader.Read(dataset, letterbox, cancellationToken: cancellationToken).Chunk(batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var inference = inference_mode();
                var images = Collate.Images([.. batch.Select(s => s.Image)], pad).to(device);
                var sets = Predict(model, images, perLayer);
                for (var s = 0; s < sets.Count; s++)
                {
                    for (var b = 0; b < batch.Length; b++)
                    {
                        var info = batch[b].Letterbox;
                        var geometry = new ImageGeometry(
                            (int)images.shape[2], (int)images.shape[3], info.ResizedHeight, info.ResizedWidth, info.OriginalHeight, info.OriginalWidth);
                        var instances = postProcessor.Process(sets[s].Logits[b], sets[s].Boxes[b], sets[s].Masks![b], geometry);
                        detections[s].AddRange(InstancePostProcessor.ToDetections(instances, batch[b].ImageId, dataset.Categories.IdOf));
                    }
                }
            }

            var groundTruth = dataset.GroundTruth;
            var results = new List<LayerAp>();
            CocoEvaluation? finalBox = null, finalMask = null;
            for (var s = 0; s < layers.Length; s++)
            {
                var box = CocoEvaluator.Evaluate(groundTruth, detections[s], new CocoEvalParameters { IouType = IouType.Bbox });
                var mask = CocoEvaluator.Evaluate(groundTruth, detections[s], new CocoEvalParameters { IouType = IouType.Segm });
                results.Add(new LayerAp(layers[s], box.Stats[0], mask.Stats[0]));
                (finalBox, finalMask) = (box, mask);
            }

            return new ValidationResult(finalBox!, finalMask!, perLayer ? results : [], dataset.Images.Count);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>"initial", "layer 0" … "layer L−2", then "final" (= layer L−1).</summary>
    public static string[] LayerNames(int decoderLayers) =>
        ["initial", .. Enumerable.Range(0, decoderLayers - 1).Select(l => $"layer {l}"), "final"];

    private static IReadOnlyList<PredictionSet> Predict(DiMaskDinoModel model, Tensor images, bool perLayer)
    {
        if (!perLayer)
        {
            var outputs = model.Infer(images);
            return [new PredictionSet(outputs.PredLogits, outputs.PredBoxes, outputs.PredMasks)];
        }

        var training = model.ForwardTraining(images, targets: null, generator: null);
        return [.. training.Aux, training.Main];
    }
}
