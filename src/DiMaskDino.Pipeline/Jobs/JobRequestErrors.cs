using System.Collections;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// What is wrong with a <see cref="JobRequest"/>, keyed by field (<see cref="JobRequest.Validate"/>). Each host names the
/// fields its own way: the HTTP API by JSON field, the command line by option. Messages are phrased to follow the
/// field's name ("must be 1-100000, got 0") or, for names and paths, to stand alone.
/// </summary>
public sealed class JobRequestErrors : IEnumerable<KeyValuePair<JobRequestField, IReadOnlyList<string>>>
{
    private readonly SortedDictionary<JobRequestField, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public int Count => _errors.Count;

    public bool Contains(JobRequestField field) => _errors.ContainsKey(field);

    public IReadOnlyList<string> this[JobRequestField field] => _errors.TryGetValue(field, out var messages) ? messages : [];

    public void Add(JobRequestField field, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    /// <summary>Adds <paramref name="message"/> when it is not null (the rules of <see cref="JobRequestRules"/> return null when a value is valid).</summary>
    public void AddIfAny(JobRequestField field, string? message)
    {
        if (message is not null)
        {
            Add(field, message);
        }
    }

    /// <summary>Throws <see cref="JobRequestException"/> unless <see cref="IsValid"/>.</summary>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new JobRequestException(this);
        }
    }

    /// <summary>One line, fields named as in job.json: <c>shard_size must be 1-100000, got 0; model: …</c>.</summary>
    public override string ToString() => Format(field => field.JsonName());

    /// <summary>
    /// One line with each field named by <paramref name="name"/> (e.g. a command-line option): a message that is a
    /// predicate ("must …", "is …") follows the name, any other after a colon.
    /// </summary>
    public string Format(Func<JobRequestField, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Join("; ", this.SelectMany(e => e.Value.Select(message =>
            message.StartsWith("must ", StringComparison.Ordinal) || message.StartsWith("is ", StringComparison.Ordinal)
                ? $"{name(e.Key)} {message}"
                : $"{name(e.Key)}: {message}")));
    }

    public IEnumerator<KeyValuePair<JobRequestField, IReadOnlyList<string>>> GetEnumerator() =>
        _errors.Select(e => KeyValuePair.Create(e.Key, (IReadOnlyList<string>)e.Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A request that breaks <see cref="JobRequest.Validate"/>'s rules; an <see cref="ArgumentException"/>, so the command line exits 1 with its message.</summary>
public sealed class JobRequestException(JobRequestErrors errors) : ArgumentException($"invalid job request: {errors}")
{
    public JobRequestErrors Errors { get; } = errors;
}
