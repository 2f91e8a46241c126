using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>The labeling tools a job's labels can be exported to (docs/labels.md, "Exports").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportFormat>))]
public enum ExportFormat
{
    /// <summary>COCO dataset JSON (<c>annotations.json</c>), RLE masks or polygons.</summary>
    [JsonStringEnumMemberName("coco")]
    Coco,

    /// <summary>Label Studio tasks JSON with pre-annotations (<c>tasks.json</c>) and a labeling config.</summary>
    [JsonStringEnumMemberName("labelstudio")]
    LabelStudio,

    /// <summary>CVAT's "COCO 1.0" import: polygons in <c>annotations/instances_default.json</c>, also zipped.</summary>
    [JsonStringEnumMemberName("cvat")]
    Cvat,

    /// <summary>Ultralytics YOLO segmentation: <c>labels/*.txt</c> with normalised polygons and <c>data.yaml</c>.</summary>
    [JsonStringEnumMemberName("yolo")]
    Yolo,
}
