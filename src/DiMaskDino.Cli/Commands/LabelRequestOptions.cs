using DiMaskDino.Hosting;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>label</c>'s names for the fields of its job request: <see cref="JobRequest.Validate"/>'s errors as one line
/// naming the options (<c>--shard-size must be 1-100000, got 0</c>). The dataset and images prefix come from INPUT.
/// </summary>
internal sealed class LabelRequestOptions(string input, IReadOnlyDictionary<JobRequestField, string> options)
{
    /// <exception cref="CliInputException">the request breaks a rule; the message names each option and what is wrong</exception>
    public void ThrowIfInvalid(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Validate() is { IsValid: false } errors)
        {
            throw new CliInputException(errors.Format(Name));
        }
    }

    /// <summary>The option (or argument) a field comes from; a field no option sets keeps its job.json name.</summary>
    public string Name(JobRequestField field) => field switch
    {
        JobRequestField.Dataset or JobRequestField.ImagesPrefix => input,
        _ => options.TryGetValue(field, out var option) ? option : field.JsonName(),
    };
}
