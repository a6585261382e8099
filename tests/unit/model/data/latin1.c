static const VMStateDescription vmstate_latin = {
    .name = "café",
    .version_id = 1,
};
