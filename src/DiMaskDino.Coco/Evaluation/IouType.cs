namespace DiMaskDino.Coco.Evaluation;

/// <summary>What the evaluator compares: boxes or masks.</summary>
public enum IouType
{
    Bbox,
    Segm,
}
