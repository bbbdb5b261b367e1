/* Random (version 4) UUIDs, made on the device so items can be created offline. */
#ifndef NX_UUID_H
#define NX_UUID_H
#define NX_UUID_LEN 36
void nx_uuid4(char out[NX_UUID_LEN + 1]);
#endif
