/*
 * audit_layout_consume K [property=value ...]: the fetch ceiling under audit.replay (issue 10), in C.
 *
 * The audit bench's layout on librdkafka's mock cluster: 1,000,000 messages of 633 B on 826
 * partitions, produced 10,000 at a time and flushed in between (almanac-bench sends batches of
 * 10,000 and waits for them), so the mock keeps small message sets (~12 messages) and answers each
 * Fetch with at most one set per partition. Then K assign-only consumers on K threads, each
 * assigned every K-th partition (KafkaConsumerConfiguration's settings plus the given
 * properties), read everything without decoding; two repetitions, msg/s of the slowest consumer.
 *
 *   cc -O2 -o /tmp/audit_layout ops/benchmarks/audit_layout_consume.c -lrdkafka -lpthread && /tmp/audit_layout 4
 *
 * Not run by ops/bench: a measurement of where the ceiling is (BENCHMARKS.md, "Audit replay").
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MESSAGES = 1000000, SIZE = 633, PARTITIONS = 826, CHUNK = 10000, MAX_CONSUMERS = 16 };
static int consumers = 1;
static char **properties;
static int property_count;
static const char *bootstraps;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "audit_layout_consume: %s: %s\n", what, why);
    exit(2);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char error[256];
    if (rd_kafka_conf_set(conf, key, value, error, sizeof error) != RD_KAFKA_CONF_OK) die(key, error);
}

typedef struct { int index; long expected; double seconds; } job_t;

static void *consume(void *arg) {
    job_t *job = arg;
    char group[64], error[256];
    snprintf(group, sizeof group, "almanac-reader-%d-%ld", job->index, (long)rand());
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstraps);
    set(conf, "group.id", group);
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "isolation.level", "read_committed");
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "fetch.wait.max.ms", "20");
    for (int i = 0; i < property_count; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", properties[i]);
        char *eq = strchr(kv, '=');
        if (!eq) die("property", properties[i]);
        *eq = 0;
        set(conf, kv, eq + 1);
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!rk) die("consumer", error);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(PARTITIONS);
    for (int p = job->index; p < PARTITIONS; p += consumers)
        rd_kafka_topic_partition_list_add(list, "audit", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    double start = now();
    if (rd_kafka_assign(rk, list)) die("assign", "failed");
    rd_kafka_topic_partition_list_destroy(list);
    static __thread rd_kafka_message_t *buffer[5000];
    long read = 0;
    while (read < job->expected) {
        if (now() - start > 300) die("consume", "not every message arrived in 300 s");
        rd_kafka_message_t *first = rd_kafka_consume_queue(queue, 100);
        if (!first) continue;
        buffer[0] = first;
        ssize_t count = 1 + rd_kafka_consume_batch_queue(queue, 0, buffer + 1, 4999);
        for (ssize_t i = 0; i < count; i++) {
            if (!buffer[i]->err) read++;
            rd_kafka_message_destroy(buffer[i]);
        }
    }
    job->seconds = now() - start;
    rd_kafka_consumer_close(rk);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || (consumers = atoi(argv[1])) < 1 || consumers > MAX_CONSUMERS) die("usage", "audit_layout_consume K [property=value ...]");
    properties = argv + 2;
    property_count = argc - 2;
    char error[256];
    rd_kafka_t *owner = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), error, sizeof error);
    if (!owner) die("mock owner", error);
    rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(owner, 1);
    if (!cluster) die("mock cluster", "failed");
    bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
    rd_kafka_mock_topic_create(cluster, "audit", PARTITIONS, 1);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstraps);
    set(conf, "enable.idempotence", "true");
    set(conf, "linger.ms", "5");
    set(conf, "partitioner", "murmur2_random");
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!producer) die("producer", error);
    char *value = malloc(SIZE), key[32];
    memset(value, 'a', SIZE);
    for (long i = 0; i < MESSAGES; i++) {
        snprintf(key, sizeof key, "k%ld", i % 41300);
        while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("audit"), RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE(value, SIZE),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
            rd_kafka_poll(producer, 1);
        if ((i + 1) % CHUNK == 0 && rd_kafka_flush(producer, 60000)) die("flush", "timed out");
    }
    if (rd_kafka_flush(producer, 60000)) die("flush", "timed out");
    long kept[PARTITIONS];
    for (int p = 0; p < PARTITIONS; p++) {
        int64_t low, high;
        if (rd_kafka_query_watermark_offsets(producer, "audit", p, &low, &high, 5000)) die("watermarks", "failed");
        if (low != 0) die("the mock cluster dropped the head of a partition", "fewer bytes per partition");
        kept[p] = (long)high;
    }
    for (int rep = 0; rep < 2; rep++) {
        pthread_t threads[MAX_CONSUMERS];
        job_t jobs[MAX_CONSUMERS];
        for (int k = 0; k < consumers; k++) {
            jobs[k] = (job_t){.index = k};
            for (int p = k; p < PARTITIONS; p += consumers) jobs[k].expected += kept[p];
            pthread_create(&threads[k], NULL, consume, &jobs[k]);
        }
        double slowest = 0;
        for (int k = 0; k < consumers; k++) {
            pthread_join(threads[k], NULL);
            if (jobs[k].seconds > slowest) slowest = jobs[k].seconds;
        }
        printf("%d consumer(s), rep %d: %.0f msg/s (%.2f s)\n", consumers, rep + 1, MESSAGES / slowest, slowest);
        fflush(stdout);
    }
    free(value);
    rd_kafka_destroy(producer);
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(owner);
    return 0;
}
