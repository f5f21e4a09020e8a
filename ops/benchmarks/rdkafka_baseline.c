/*
 * The Kafka baseline of ops/bench: librdkafka without Swift.
 *
 *   cc -O2 -o rdkafka_baseline rdkafka_baseline.c -lrdkafka
 *   rdkafka_baseline produce|consume|move [--messages N] [--size B] [--partitions P] [--reps R] [--batch M]
 *
 * It does what almanac-bench kafka-produce / kafka-consume do, with the same librdkafka settings
 * as Almanac's KafkaProducerConfiguration / KafkaConsumerConfiguration defaults, against its own
 * mock cluster (rd_kafka_mock_cluster_new, 1 broker) started in this process:
 *   produce: N messages, key "key-%07d", B-byte value, rd_kafka_producev with RD_KAFKA_MSG_F_COPY,
 *            idempotence on, acks=all, linger.ms=5, murmur2_random, 100,000 queued at most;
 *            timed from the first produce to the end of rd_kafka_flush; a new cluster per repetition.
 *   consume: N messages produced beforehand (untimed); an assign-only consumer reads every
 *            partition from the beginning: rd_kafka_consume_queue (100 ms) for the first message,
 *            then rd_kafka_consume_batch_queue(0) for up to M - 1 more, as KafkaConsumer.poll does;
 *            timed from the first message to the last ((N - 1) / seconds): the wait for the first
 *            message (0 or ~500 ms, at random, in the mock cluster) is reported apart as
 *            first_message_ms; a new consumer per repetition.
 *   move:    the baseline of worker.e2e_noop: N messages produced by one thread (as produce does)
 *            while an assign-only consumer reads them on another (as consume does), timed from
 *            the first produce to the last message read and delivery report served, whichever is
 *            later; one message is produced and read before the clock starts, so the mock
 *            cluster's first-fetch wait is not timed. A new cluster per repetition.
 * Afterwards every partition must still start at offset 0 (the mock cluster keeps ~5 MiB per
 * partition) and hold all N messages, or the program fails.
 *
 * Prints one JSON line: {"name": "kafka.produce", "side": "librdkafka-c", "unit": "msg/s",
 * "value": median, "min", "max", "samples", "peak_rss_bytes", "extra", "notes"}.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define TOPIC "bench"

static long messages = 1000000, size = 200, partitions = 64, reps = 1, batch = 5000;
static long delivered, failed;
static double first_message_ms; /* consume: mean wait for the first message, outside the clock */

static void die(const char *what, const char *detail) {
    fprintf(stderr, "[rdkafka_baseline] FAILED: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, key, value, error, sizeof error) != RD_KAFKA_CONF_OK) die(key, error);
}

static rd_kafka_t *new_client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
    char error[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, error, sizeof error);
    if (!rk) die("rd_kafka_new", error);
    return rk;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk; (void)opaque;
    if (message->err) failed++; else delivered++;
}

/* The embedded cluster: a mock cluster on the threads of an otherwise unused producer handle,
   as EmbeddedKafkaCluster does. */
typedef struct { rd_kafka_t *owner; rd_kafka_mock_cluster_t *cluster; const char *bootstraps; } cluster_t;

static cluster_t cluster_start(void) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "client.id", "almanac-embedded");
    cluster_t c;
    c.owner = new_client(RD_KAFKA_PRODUCER, conf);
    c.cluster = rd_kafka_mock_cluster_new(c.owner, 1);
    if (!c.cluster) die("rd_kafka_mock_cluster_new", NULL);
    c.bootstraps = rd_kafka_mock_cluster_bootstraps(c.cluster);
    if (rd_kafka_mock_topic_create(c.cluster, TOPIC, (int)partitions, 1)) die("topic create", NULL);
    return c;
}

static void cluster_stop(cluster_t c) {
    rd_kafka_mock_cluster_destroy(c.cluster);
    rd_kafka_destroy(c.owner);
}

/* KafkaProducerConfiguration's defaults. */
static rd_kafka_t *new_producer(const char *bootstraps) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstraps);
    set(conf, "client.id", "almanac");
    set(conf, "enable.idempotence", "true");
    set(conf, "acks", "all");
    set(conf, "linger.ms", "5");
    set(conf, "compression.codec", "none");
    set(conf, "partitioner", "murmur2_random");
    set(conf, "message.timeout.ms", "30000");
    set(conf, "queue.buffering.max.messages", "100000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    return new_client(RD_KAFKA_PRODUCER, conf);
}

/* KafkaConsumerConfiguration's defaults for an assign-only reader, except queued.min.messages: the
   wrapper sets 1,000,000; C here keeps librdkafka's 100,000, its faster setting (1.22 M against
   2.6 M msg/s with 1,000,000, BENCHMARKS.md), so the ratio is against the best C. */
static rd_kafka_t *new_consumer(const char *bootstraps) {
    char group[64];
    snprintf(group, sizeof group, "almanac-reader-%ld", (long)rand());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstraps);
    set(conf, "client.id", "almanac");
    set(conf, "group.id", group);
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "isolation.level", "read_committed");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "session.timeout.ms", "10000");
    set(conf, "heartbeat.interval.ms", "1000");
    set(conf, "max.poll.interval.ms", "300000");
    set(conf, "partition.assignment.strategy", "range,roundrobin");
    set(conf, "fetch.wait.max.ms", "20");
    return new_client(RD_KAFKA_CONSUMER, conf);
}

static void wait_metadata(rd_kafka_t *rk) {
    const struct rd_kafka_metadata *metadata;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &metadata, 5000);
    if (err) die("metadata", rd_kafka_err2str(err));
    rd_kafka_metadata_destroy(metadata);
}

/* Produces all messages and waits for their delivery reports; returns the seconds it took. */
static double produce_count(rd_kafka_t *rk, long messages);
static double produce_all(rd_kafka_t *rk) { return produce_count(rk, messages); }
static double produce_count(rd_kafka_t *rk, long messages) {
    char *value = malloc(size);
    memset(value, 'a', size);
    char key[32];
    delivered = failed = 0;
    double start = now();
    for (long i = 0; i < messages; i++) {
        snprintf(key, sizeof key, "key-%07ld", i);
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_KEY(key, 11), RD_KAFKA_V_VALUE(value, (size_t)size),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (!err) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(err));
            rd_kafka_poll(rk, 1); /* serve delivery reports until there is room */
        }
        if (i % 1000 == 0) rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 120000)) die("flush", "timed out");
    double seconds = now() - start;
    free(value);
    if (failed || delivered != messages) die("delivery", "not every message was delivered");
    return seconds;
}

static void verify_kept_count(rd_kafka_t *rk, long messages);
static void verify_kept(rd_kafka_t *rk) { verify_kept_count(rk, messages); }
static void verify_kept_count(rd_kafka_t *rk, long messages) {
    long total = 0;
    for (int p = 0; p < partitions; p++) {
        int64_t low, high;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, TOPIC, p, &low, &high, 5000);
        if (err) die("watermarks", rd_kafka_err2str(err));
        if (low != 0) die("the mock cluster dropped the head of a partition", "use more partitions");
        total += (long)high;
    }
    if (total != messages) die("the topic does not hold every message", NULL);
}

static double consume_all(const char *bootstraps) {
    rd_kafka_t *rk = new_consumer(bootstraps);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    wait_metadata(rk);
    rd_kafka_message_t **buffer = calloc(batch, sizeof *buffer);
    long count = 0, bytes = 0;
    double start = now(), first_at = 0;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(list, TOPIC, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, list)) die("assign", NULL);
    rd_kafka_topic_partition_list_destroy(list);
    while (count < messages) {
        if (now() - start > 300) die("consume", "not every message arrived in 300 s");
        rd_kafka_message_t *first = rd_kafka_consume_queue(queue, 100);
        if (!first) continue;
        buffer[0] = first;
        ssize_t n = 1;
        if (batch > 1) {
            ssize_t more = rd_kafka_consume_batch_queue(queue, 0, buffer + 1, (size_t)batch - 1);
            if (more > 0) n += more;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (!buffer[i]->err) {
                if (count++ == 0) first_at = now();
                bytes += (long)buffer[i]->len;
            }
            rd_kafka_message_destroy(buffer[i]);
        }
    }
    double seconds = now() - first_at;
    first_message_ms += (first_at - start) * 1000 / reps;
    if (bytes != messages * size) die("consume", "wrong byte count");
    rd_kafka_consumer_close(rk);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    free(buffer);
    return seconds;
}

/* move: one thread produces while this one consumes. */
typedef struct { rd_kafka_t *rk; double finished; } producer_job_t;

static void *move_producer(void *arg) {
    producer_job_t *job = arg;
    produce_count(job->rk, messages);
    job->finished = now();
    return NULL;
}

static double move_all(const char *bootstraps) {
    rd_kafka_t *producer = new_producer(bootstraps);
    wait_metadata(producer);
    rd_kafka_t *rk = new_consumer(bootstraps);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    wait_metadata(rk);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(list, TOPIC, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, list)) die("assign", NULL);
    rd_kafka_topic_partition_list_destroy(list);
    /* Warm-up, untimed: one message produced and read, so the first fetch is behind us. */
    produce_count(producer, 1);
    double waited = now();
    for (;;) {
        if (now() - waited > 30) die("move", "the warm-up message did not arrive in 30 s");
        rd_kafka_message_t *m = rd_kafka_consume_queue(queue, 100);
        if (!m) continue;
        int ok = !m->err;
        rd_kafka_message_destroy(m);
        if (ok) break;
    }
    first_message_ms += (now() - waited) * 1000 / reps;
    rd_kafka_message_t **buffer = calloc(batch, sizeof *buffer);
    long count = 0, bytes = 0;
    producer_job_t job = { producer, 0 };
    pthread_t thread;
    double start = now(), last_at = 0;
    if (pthread_create(&thread, NULL, move_producer, &job)) die("pthread_create", NULL);
    while (count < messages) {
        if (now() - start > 300) die("move", "not every message arrived in 300 s");
        rd_kafka_message_t *first = rd_kafka_consume_queue(queue, 100);
        if (!first) continue;
        buffer[0] = first;
        ssize_t n = 1;
        if (batch > 1) {
            ssize_t more = rd_kafka_consume_batch_queue(queue, 0, buffer + 1, (size_t)batch - 1);
            if (more > 0) n += more;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (!buffer[i]->err) {
                count++;
                bytes += (long)buffer[i]->len;
            }
            rd_kafka_message_destroy(buffer[i]);
        }
    }
    last_at = now();
    pthread_join(thread, NULL);
    double seconds = (job.finished > last_at ? job.finished : last_at) - start;
    if (bytes != messages * size) die("move", "wrong byte count");
    verify_kept_count(producer, messages + 1);
    rd_kafka_consumer_close(rk);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    rd_kafka_destroy(producer);
    free(buffer);
    return seconds;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void emit(const char *name, double *samples) {
    double sorted[64];
    memcpy(sorted, samples, reps * sizeof *samples);
    qsort(sorted, reps, sizeof *sorted, compare);
    double median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"name\":\"%s\",\"side\":\"librdkafka-c\",\"unit\":\"msg/s\",\"value\":%.1f,\"min\":%.1f,\"max\":%.1f,\"samples\":[",
           name, median, sorted[0], sorted[reps - 1]);
    for (int i = 0; i < reps; i++) printf("%s%.1f", i ? "," : "", samples[i]);
    printf("],\"peak_rss_bytes\":%ld,\"extra\":{\"messages\":%ld,\"size\":%ld,\"partitions\":%ld,\"batch\":%ld,\"first_message_ms\":%.1f},"
           "\"notes\":{\"librdkafka\":\"%s\"}}\n",
           usage.ru_maxrss * 1024L, messages, size, partitions, batch, first_message_ms, rd_kafka_version_str());
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage", "rdkafka_baseline produce|consume|move [--messages N] [--size B] [--partitions P] [--reps R] [--batch M]");
    const char *mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        long v = atol(argv[i + 1]);
        if (!strcmp(argv[i], "--messages")) messages = v;
        else if (!strcmp(argv[i], "--size")) size = v;
        else if (!strcmp(argv[i], "--partitions")) partitions = v;
        else if (!strcmp(argv[i], "--reps")) reps = v;
        else if (!strcmp(argv[i], "--batch")) batch = v;
        else die("unknown option", argv[i]);
    }
    if (reps < 1 || reps > 64 || messages < 1 || size < 1 || partitions < 1 || batch < 1) die("usage", "bad numbers");
    double samples[64];
    if (!strcmp(mode, "produce")) {
        for (int r = 0; r < reps; r++) {
            cluster_t c = cluster_start();
            rd_kafka_t *rk = new_producer(c.bootstraps);
            wait_metadata(rk);
            double seconds = produce_all(rk);
            verify_kept(rk);
            rd_kafka_destroy(rk);
            cluster_stop(c);
            samples[r] = messages / seconds;
            fprintf(stderr, "[rdkafka_baseline] produce rep %d/%ld: %.0f msg/s\n", r + 1, reps, samples[r]);
        }
        emit("kafka.produce", samples);
    } else if (!strcmp(mode, "consume")) {
        cluster_t c = cluster_start();
        rd_kafka_t *producer = new_producer(c.bootstraps);
        wait_metadata(producer);
        produce_all(producer);
        verify_kept(producer);
        rd_kafka_destroy(producer);
        for (int r = 0; r < reps; r++) {
            samples[r] = (messages - 1) / consume_all(c.bootstraps);
            fprintf(stderr, "[rdkafka_baseline] consume rep %d/%ld: %.0f msg/s\n", r + 1, reps, samples[r]);
        }
        cluster_stop(c);
        emit("kafka.consume", samples);
    } else if (!strcmp(mode, "move")) {
        for (int r = 0; r < reps; r++) {
            cluster_t c = cluster_start();
            samples[r] = messages / move_all(c.bootstraps);
            cluster_stop(c);
            fprintf(stderr, "[rdkafka_baseline] move rep %d/%ld: %.0f msg/s\n", r + 1, reps, samples[r]);
        }
        emit("worker.e2e_noop", samples);
    } else {
        die("unknown mode", mode);
    }
    return 0;
}
