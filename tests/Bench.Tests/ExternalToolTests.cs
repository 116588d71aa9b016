namespace QpActors.Bench.Tests;

public sealed class ExternalToolTests
{
    // h2load 1.52's summary as printed against the gateway's gRPC port here (the progress lines left out).
    private const string GrpcRun = """
        starting benchmark...
        spawning thread #0: 32 total client(s). 20773 total requests
        spawning thread #1: 32 total client(s). 20772 total requests

        finished in 6.01s, 6924.17 req/s, 6.70MB/s
        requests: 41545 total, 41609 started, 41545 done, 41540 succeeded, 5 failed, 2 errored, 0 timeout
        status codes: 41540 2xx, 0 3xx, 0 4xx, 5 5xx
        traffic: 40.25MB (42203480) total, 279.57KB (286281) headers (space savings 92.00%), 39.04MB (40826595) data
                             min         max         mean         sd        +/- sd
        time for request:      679us     38.84ms      9.14ms      3.30ms    73.92%
        time for connect:      191us      1.80ms       912us       450us    59.38%
        time to 1st byte:     1.46ms     20.52ms      9.52ms      2.68ms    87.50%
        req/s           :     105.29      119.71      108.36        0.95    85.94%
        """;

    // wrk 4.1's summary with --latency, in the shape it prints for a few audited reads during batches.
    private const string WrkRun = """
        Running 5s test @ http://127.0.0.1:40123/v1/families/f-1/risk
          1 threads and 4 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   381.20ms  120.55ms   1.02s    70.00%
            Req/Sec    10.38      4.20    20.00     60.00%
          Latency Distribution
             50%  379.87ms
             75%  450.10ms
             90%  518.75ms
             99%    1.02s
          52 requests in 5.01s, 120.33KB read
          Non-2xx or 3xx responses: 2
        Requests/sec:     10.38
        Transfer/sec:     24.02KB
        """;

    [Fact]
    public void A_wrk_summary_gives_rate_median_p99_requests_and_answers_that_were_not_2xx()
    {
        var result = ExternalTool.ParseWrk(WrkRun);

        Assert.Equal(10.38, result.RequestsPerSecond, 2);
        Assert.Equal(379.87, result.P50Ms, 2);
        Assert.Equal(1020, result.P99Ms, 2);
        Assert.Equal(52, result.Requests);
        Assert.Equal(2, result.Non2xx);
        Assert.Equal(0.912, ExternalTool.ParseWrk(WrkRun.Replace("379.87ms", "912.00us", StringComparison.Ordinal)).P50Ms, 6);
    }

    [Fact]
    public void An_h2load_summary_gives_rate_outcomes_mean_latency_and_body_bytes()
    {
        var result = ExternalTool.ParseH2load(GrpcRun);

        Assert.Equal(6924.17, result.RequestsPerSecond, 2);
        Assert.Equal(41545, result.Done);
        Assert.Equal(41540, result.Succeeded);
        Assert.Equal(5, result.Failed);
        Assert.Equal(2, result.Errored);
        Assert.Equal(9.14, result.MeanMs, 2);
        Assert.Equal(40826595, result.DataBytes);
        Assert.Equal(40826595.0 / 41545, result.BytesPerRequest, 6);
    }

    [Fact]
    public void A_mean_latency_in_microseconds_or_seconds_is_read_as_milliseconds()
    {
        Assert.Equal(0.912, ExternalTool.ParseH2load(GrpcRun.Replace("9.14ms", "912us", StringComparison.Ordinal)).MeanMs, 6);
        Assert.Equal(1250, ExternalTool.ParseH2load(GrpcRun.Replace("9.14ms", "1.25s", StringComparison.Ordinal)).MeanMs, 6);
    }

    [Fact]
    public void Output_without_a_summary_is_an_error_that_shows_the_output()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ExternalTool.ParseH2load("connect: Connection refused"));
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grpc_frame_is_an_uncompressed_flag_a_big_endian_length_and_the_message()
    {
        byte[] message = [0x0A, 0x03, (byte)'f', (byte)'a', (byte)'m'];

        var frame = ExternalTool.GrpcFrame(message);

        Assert.Equal([0x00, 0x00, 0x00, 0x00, 0x05, .. message], frame);
    }
}
