//! THE table between our data and ExifTool's names: EXIF tag numbers, GPS tag numbers,
//! XMP namespaces and property names, and how each value is converted to ExifTool's `-n`
//! form. IIM dataset names live beside their formats in [`crate::iim::DATASETS`]. Nothing
//! else in the crate spells an ExifTool name for a raw tag.

/// How an EXIF value is converted to ExifTool's `-n` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conv {
    /// Numbers joined by spaces (rationals as `%.10g`), strings up to the first NUL.
    Plain,
    /// Shown as `(Binary data N bytes, use -b option to extract)`.
    Binary,
    /// Numbers joined by spaces, shown as binary data when the text exceeds 32 bytes
    /// (ExifTool's rule for strip and tile offsets).
    LongList,
    /// APEX shutter speed: `2^-v`.
    ApexShutter,
    /// APEX aperture: `2^(v/2)`.
    ApexAperture,
    /// Undefined bytes read as ASCII text (`ExifVersion` "0230").
    AsciiUndef,
    /// 8-byte character code then text (`UserComment`).
    ExifText,
    /// UCS-2 little-endian text (Windows `XP*` tags).
    Ucs2,
    /// Degrees, minutes, seconds to decimal degrees.
    GpsDegrees,
    /// Hours, minutes, seconds to `HH:MM:SS.ss`.
    GpsTime,
    /// CFA pattern: repeat width, height, then colours.
    CfaPattern,
    /// Not output as a tag (pointers, blocks parsed separately, maker notes).
    Skip,
}

use Conv::*;

/// The main EXIF/TIFF table (IFD0, IFD1, ExifIFD and InteropIFD share tag numbers), with
/// ExifTool's names (Exif.pm).
pub const EXIF_TAGS: &[(u16, &str, Conv)] = &[
    (0x0001, "InteropIndex", Plain),
    (0x000b, "ProcessingSoftware", Plain),
    (0x0002, "InteropVersion", AsciiUndef),
    (0x00fe, "SubfileType", Plain),
    (0x00ff, "OldSubfileType", Plain),
    (0x0100, "ImageWidth", Plain),
    (0x0101, "ImageHeight", Plain),
    (0x0102, "BitsPerSample", Plain),
    (0x0103, "Compression", Plain),
    (0x0106, "PhotometricInterpretation", Plain),
    (0x0107, "Thresholding", Plain),
    (0x0108, "CellWidth", Plain),
    (0x0109, "CellLength", Plain),
    (0x010a, "FillOrder", Plain),
    (0x010d, "DocumentName", Plain),
    (0x010e, "ImageDescription", Plain),
    (0x010f, "Make", Plain),
    (0x0110, "Model", Plain),
    (0x0111, "StripOffsets", LongList),
    (0x0112, "Orientation", Plain),
    (0x0115, "SamplesPerPixel", Plain),
    (0x0116, "RowsPerStrip", Plain),
    (0x0117, "StripByteCounts", LongList),
    (0x0118, "MinSampleValue", Plain),
    (0x0119, "MaxSampleValue", Plain),
    (0x011a, "XResolution", Plain),
    (0x011b, "YResolution", Plain),
    (0x011c, "PlanarConfiguration", Plain),
    (0x011d, "PageName", Plain),
    (0x011e, "XPosition", Plain),
    (0x011f, "YPosition", Plain),
    (0x0120, "FreeOffsets", Plain),
    (0x0121, "FreeByteCounts", Plain),
    (0x0122, "GrayResponseUnit", Plain),
    (0x0123, "GrayResponseCurve", Binary),
    (0x0124, "T4Options", Plain),
    (0x0125, "T6Options", Plain),
    (0x0128, "ResolutionUnit", Plain),
    (0x0129, "PageNumber", Plain),
    (0x012c, "ColorResponseUnit", Plain),
    (0x012d, "TransferFunction", Binary),
    (0x0131, "Software", Plain),
    (0x0132, "ModifyDate", Plain),
    (0x013b, "Artist", Plain),
    (0x013c, "HostComputer", Plain),
    (0x013d, "Predictor", Plain),
    (0x013e, "WhitePoint", Plain),
    (0x013f, "PrimaryChromaticities", Plain),
    (0x0140, "ColorMap", Binary),
    (0x0141, "HalftoneHints", Plain),
    (0x0142, "TileWidth", Plain),
    (0x0143, "TileLength", Plain),
    (0x0144, "TileOffsets", LongList),
    (0x0145, "TileByteCounts", LongList),
    (0x0146, "BadFaxLines", Plain),
    (0x0147, "CleanFaxData", Plain),
    (0x0148, "ConsecutiveBadFaxLines", Plain),
    (0x014a, "SubIFD", Skip),
    (0x014c, "InkSet", Plain),
    (0x014d, "InkNames", Plain),
    (0x014e, "NumberofInks", Plain),
    (0x0150, "DotRange", Plain),
    (0x0151, "TargetPrinter", Plain),
    (0x0152, "ExtraSamples", Plain),
    (0x0153, "SampleFormat", Plain),
    (0x0154, "SMinSampleValue", Plain),
    (0x0155, "SMaxSampleValue", Plain),
    (0x0156, "TransferRange", Plain),
    (0x0157, "ClipPath", Plain),
    (0x0158, "XClipPathUnits", Plain),
    (0x0159, "YClipPathUnits", Plain),
    (0x015a, "Indexed", Plain),
    (0x015b, "JPEGTables", Binary),
    (0x015f, "OPIProxy", Plain),
    (0x0190, "GlobalParametersIFD", Skip),
    (0x0191, "ProfileType", Plain),
    (0x0192, "FaxProfile", Plain),
    (0x0193, "CodingMethods", Plain),
    (0x0194, "VersionYear", Plain),
    (0x0195, "ModeNumber", Plain),
    (0x01b1, "Decode", Plain),
    (0x01b2, "DefaultImageColor", Plain),
    (0x01b3, "T82Options", Plain),
    (0x0200, "JPEGProc", Plain),
    // 0x0201/0x0202 are renamed by IFD in `exif_name`
    (0x0201, "ThumbnailOffset", Plain),
    (0x0202, "ThumbnailLength", Plain),
    (0x0203, "JPEGRestartInterval", Plain),
    (0x0205, "JPEGLosslessPredictors", Plain),
    (0x0206, "JPEGPointTransforms", Plain),
    (0x0207, "JPEGQTables", Plain),
    (0x0208, "JPEGDCTables", Plain),
    (0x0209, "JPEGACTables", Plain),
    (0x0211, "YCbCrCoefficients", Plain),
    (0x0212, "YCbCrSubSampling", Plain),
    (0x0213, "YCbCrPositioning", Plain),
    (0x0214, "ReferenceBlackWhite", Plain),
    (0x022f, "StripRowCounts", Plain),
    (0x02bc, "ApplicationNotes", Skip),
    (0x03e7, "USPTOMiscellaneous", Plain),
    (0x1000, "RelatedImageFileFormat", Plain),
    (0x1001, "RelatedImageWidth", Plain),
    (0x1002, "RelatedImageHeight", Plain),
    (0x4746, "Rating", Plain),
    (0x4747, "XP_DIP_XML", Binary),
    (0x4748, "StitchInfo", Binary),
    (0x4749, "RatingPercent", Plain),
    (0x7000, "SonyRawFileType", Plain),
    (0x800d, "ImageID", Plain),
    (0x80e3, "Matteing", Plain),
    (0x80e4, "DataType", Plain),
    (0x80e5, "ImageDepth", Plain),
    (0x80e6, "TileDepth", Plain),
    (0x828d, "CFARepeatPatternDim", Plain),
    (0x828e, "CFAPattern2", Plain),
    (0x828f, "BatteryLevel", Plain),
    (0x8290, "KodakIFD", Skip),
    (0x8298, "Copyright", Plain),
    (0x829a, "ExposureTime", Plain),
    (0x829d, "FNumber", Plain),
    (0x83bb, "IPTC-NAA", Skip),
    (0x8568, "IntergraphPacketData", Binary),
    (0x8606, "LeafData", Skip),
    (0x8649, "PhotoshopSettings", Skip),
    (0x8769, "ExifOffset", Skip),
    (0x8773, "ICC_Profile", Skip),
    (0x87af, "GeoTiffDirectory", Skip),
    (0x87b0, "GeoTiffDoubleParams", Skip),
    (0x87b1, "GeoTiffAsciiParams", Skip),
    (0x8822, "ExposureProgram", Plain),
    (0x8824, "SpectralSensitivity", Plain),
    (0x8825, "GPSInfo", Skip),
    (0x8827, "ISO", Plain),
    (0x8828, "Opto-ElectricConvFactor", Binary),
    (0x8829, "Interlace", Plain),
    (0x882a, "TimeZoneOffset", Plain),
    (0x882b, "SelfTimerMode", Plain),
    (0x8830, "SensitivityType", Plain),
    (0x8831, "StandardOutputSensitivity", Plain),
    (0x8832, "RecommendedExposureIndex", Plain),
    (0x8833, "ISOSpeed", Plain),
    (0x8834, "ISOSpeedLatitudeyyy", Plain),
    (0x8835, "ISOSpeedLatitudezzz", Plain),
    (0x9000, "ExifVersion", AsciiUndef),
    (0x9003, "DateTimeOriginal", Plain),
    (0x9004, "CreateDate", Plain),
    (0x9009, "GooglePlusUploadCode", Plain),
    (0x9010, "OffsetTime", Plain),
    (0x9011, "OffsetTimeOriginal", Plain),
    (0x9012, "OffsetTimeDigitized", Plain),
    (0x9101, "ComponentsConfiguration", Plain),
    (0x9102, "CompressedBitsPerPixel", Plain),
    (0x9201, "ShutterSpeedValue", ApexShutter),
    (0x9202, "ApertureValue", ApexAperture),
    (0x9203, "BrightnessValue", Plain),
    (0x9204, "ExposureCompensation", Plain),
    (0x9205, "MaxApertureValue", ApexAperture),
    (0x9206, "SubjectDistance", Plain),
    (0x9207, "MeteringMode", Plain),
    (0x9208, "LightSource", Plain),
    (0x9209, "Flash", Plain),
    (0x920a, "FocalLength", Plain),
    (0x920b, "FlashEnergy", Plain),
    (0x920c, "SpatialFrequencyResponse", Plain),
    (0x920d, "Noise", Plain),
    (0x920e, "FocalPlaneXResolution", Plain),
    (0x920f, "FocalPlaneYResolution", Plain),
    (0x9210, "FocalPlaneResolutionUnit", Plain),
    (0x9211, "ImageNumber", Plain),
    (0x9212, "SecurityClassification", Plain),
    (0x9213, "ImageHistory", Plain),
    (0x9214, "SubjectArea", Plain),
    (0x9215, "ExposureIndex", Plain),
    (0x9216, "TIFF-EPStandardID", Plain),
    (0x9217, "SensingMethod", Plain),
    (0x927c, "MakerNote", Skip),
    (0x9286, "UserComment", ExifText),
    (0x9290, "SubSecTime", Plain),
    (0x9291, "SubSecTimeOriginal", Plain),
    (0x9292, "SubSecTimeDigitized", Plain),
    (0x932f, "MSDocumentText", Plain),
    (0x9330, "MSPropertySetStorage", Binary),
    (0x9331, "MSDocumentTextPosition", Plain),
    (0x935c, "ImageSourceData", Binary),
    (0x9400, "AmbientTemperature", Plain),
    (0x9401, "Humidity", Plain),
    (0x9402, "Pressure", Plain),
    (0x9403, "WaterDepth", Plain),
    (0x9404, "Acceleration", Plain),
    (0x9405, "CameraElevationAngle", Plain),
    (0x9c9b, "XPTitle", Ucs2),
    (0x9c9c, "XPComment", Ucs2),
    (0x9c9d, "XPAuthor", Ucs2),
    (0x9c9e, "XPKeywords", Ucs2),
    (0x9c9f, "XPSubject", Ucs2),
    (0xa000, "FlashpixVersion", AsciiUndef),
    (0xa001, "ColorSpace", Plain),
    (0xa002, "ExifImageWidth", Plain),
    (0xa003, "ExifImageHeight", Plain),
    (0xa004, "RelatedSoundFile", Plain),
    (0xa005, "InteropOffset", Skip),
    (0xa010, "SamsungRawPointersOffset", Plain),
    (0xa011, "SamsungRawPointersLength", Plain),
    (0xa101, "SamsungRawByteOrder", Plain),
    (0xa102, "SamsungRawUnknown", Plain),
    (0xa20b, "FlashEnergy", Plain),
    (0xa20c, "SpatialFrequencyResponse", Plain),
    (0xa20d, "Noise", Plain),
    (0xa20e, "FocalPlaneXResolution", Plain),
    (0xa20f, "FocalPlaneYResolution", Plain),
    (0xa210, "FocalPlaneResolutionUnit", Plain),
    (0xa211, "ImageNumber", Plain),
    (0xa212, "SecurityClassification", Plain),
    (0xa213, "ImageHistory", Plain),
    (0xa214, "SubjectLocation", Plain),
    (0xa215, "ExposureIndex", Plain),
    (0xa216, "TIFF-EPStandardID", Plain),
    (0xa217, "SensingMethod", Plain),
    (0xa300, "FileSource", Plain),
    (0xa301, "SceneType", Plain),
    (0xa302, "CFAPattern", CfaPattern),
    (0xa401, "CustomRendered", Plain),
    (0xa402, "ExposureMode", Plain),
    (0xa403, "WhiteBalance", Plain),
    (0xa404, "DigitalZoomRatio", Plain),
    (0xa405, "FocalLengthIn35mmFormat", Plain),
    (0xa406, "SceneCaptureType", Plain),
    (0xa407, "GainControl", Plain),
    (0xa408, "Contrast", Plain),
    (0xa409, "Saturation", Plain),
    (0xa40a, "Sharpness", Plain),
    (0xa40b, "DeviceSettingDescription", Binary),
    (0xa40c, "SubjectDistanceRange", Plain),
    (0xa420, "ImageUniqueID", Plain),
    (0xa430, "OwnerName", Plain),
    (0xa431, "SerialNumber", Plain),
    (0xa432, "LensInfo", Plain),
    (0xa433, "LensMake", Plain),
    (0xa434, "LensModel", Plain),
    (0xa435, "LensSerialNumber", Plain),
    (0xa436, "ImageTitle", Plain),
    (0xa437, "Photographer", Plain),
    (0xa438, "ImageEditor", Plain),
    (0xa439, "CameraFirmware", Plain),
    (0xa43a, "RAWDevelopingSoftware", Plain),
    (0xa43b, "ImageEditingSoftware", Plain),
    (0xa43c, "MetadataEditingSoftware", Plain),
    (0xa460, "CompositeImage", Plain),
    (0xa461, "CompositeImageCount", Plain),
    (0xa462, "CompositeImageExposureTimes", Binary),
    (0xa480, "GDALMetadata", Plain),
    (0xa481, "GDALNoData", Plain),
    (0xa500, "Gamma", Plain),
    (0xc427, "OceScanjobDesc", Plain),
    (0xc428, "OceApplicationSelector", Plain),
    (0xc429, "OceIDNumber", Plain),
    (0xc42a, "OceImageLogic", Plain),
    (0xc44f, "Annotations", Binary),
    (0xc4a5, "PrintIM", Skip),
    (0xc612, "DNGVersion", Plain),
    (0xc613, "DNGBackwardVersion", Plain),
    (0xc614, "UniqueCameraModel", Plain),
    (0xc615, "LocalizedCameraModel", Plain),
    (0xc621, "ColorMatrix1", Plain),
    (0xc622, "ColorMatrix2", Plain),
    (0xc623, "CameraCalibration1", Plain),
    (0xc624, "CameraCalibration2", Plain),
    (0xc625, "ReductionMatrix1", Plain),
    (0xc626, "ReductionMatrix2", Plain),
    (0xc627, "AnalogBalance", Plain),
    (0xc628, "AsShotNeutral", Plain),
    (0xc629, "AsShotWhiteXY", Plain),
    (0xc62a, "BaselineExposure", Plain),
    (0xc62b, "BaselineNoise", Plain),
    (0xc62c, "BaselineSharpness", Plain),
    (0xc62e, "LinearResponseLimit", Plain),
    (0xc62f, "CameraSerialNumber", Plain),
    (0xc630, "DNGLensInfo", Plain),
    (0xc633, "ShadowScale", Plain),
    (0xc634, "DNGPrivateData", Skip),
    (0xc635, "MakerNoteSafety", Plain),
    (0xc65a, "CalibrationIlluminant1", Plain),
    (0xc65b, "CalibrationIlluminant2", Plain),
    (0xc65d, "RawDataUniqueID", Plain),
    (0xc68b, "OriginalRawFileName", Plain),
    (0xc6f3, "CameraCalibrationSig", Plain),
    (0xc6f4, "ProfileCalibrationSig", Plain),
    (0xc6f8, "ProfileName", Plain),
    (0xc6fd, "ProfileEmbedPolicy", Plain),
    (0xc6fe, "ProfileCopyright", Plain),
    (0xc71a, "PreviewColorSpace", Plain),
    (0xc71b, "PreviewDateTime", Plain),
    (0xea1c, "Padding", Binary),
    (0xea1d, "OffsetSchema", Plain),
    (0xfde8, "OwnerName", Plain),
    (0xfde9, "SerialNumber", Plain),
    (0xfdea, "Lens", Plain),
];

/// The GPS table (GPS.pm).
pub const GPS_TAGS: &[(u16, &str, Conv)] = &[
    (0, "GPSVersionID", Plain),
    (1, "GPSLatitudeRef", Plain),
    (2, "GPSLatitude", GpsDegrees),
    (3, "GPSLongitudeRef", Plain),
    (4, "GPSLongitude", GpsDegrees),
    (5, "GPSAltitudeRef", Plain),
    (6, "GPSAltitude", Plain),
    (7, "GPSTimeStamp", GpsTime),
    (8, "GPSSatellites", Plain),
    (9, "GPSStatus", Plain),
    (10, "GPSMeasureMode", Plain),
    (11, "GPSDOP", Plain),
    (12, "GPSSpeedRef", Plain),
    (13, "GPSSpeed", Plain),
    (14, "GPSTrackRef", Plain),
    (15, "GPSTrack", Plain),
    (16, "GPSImgDirectionRef", Plain),
    (17, "GPSImgDirection", Plain),
    (18, "GPSMapDatum", Plain),
    (19, "GPSDestLatitudeRef", Plain),
    (20, "GPSDestLatitude", GpsDegrees),
    (21, "GPSDestLongitudeRef", Plain),
    (22, "GPSDestLongitude", GpsDegrees),
    (23, "GPSDestBearingRef", Plain),
    (24, "GPSDestBearing", Plain),
    (25, "GPSDestDistanceRef", Plain),
    (26, "GPSDestDistance", Plain),
    (27, "GPSProcessingMethod", ExifText),
    (28, "GPSAreaInformation", ExifText),
    (29, "GPSDateStamp", Plain),
    (30, "GPSDifferential", Plain),
    (31, "GPSHPositioningError", Plain),
];

static EXIF_INDEX: std::sync::OnceLock<Vec<(u16, u16)>> = std::sync::OnceLock::new();
static GPS_INDEX: std::sync::OnceLock<Vec<(u16, u16)>> = std::sync::OnceLock::new();

/// (tag number, first table position) sorted by number: the first entry of a number wins,
/// as the table's order says.
fn sorted_index(table: &[(u16, &str, Conv)]) -> Vec<(u16, u16)> {
    let mut v: Vec<(u16, u16)> = table
        .iter()
        .enumerate()
        .map(|(i, t)| (t.0, u16::try_from(i).unwrap_or(u16::MAX)))
        .collect();
    v.sort_unstable();
    v.dedup_by_key(|e| e.0);
    v
}

/// ExifTool's name and conversion of an EXIF tag found in IFD `ifd` (0 = IFD0, 1 = IFD1)
/// of the given table. `gps` selects the GPS table.
pub fn exif_name(number: u16, gps: bool, ifd: u16) -> Option<(&'static str, Conv)> {
    let (table, index) = if gps {
        (GPS_TAGS, &GPS_INDEX)
    } else {
        (EXIF_TAGS, &EXIF_INDEX)
    };
    // damaged files carry tens of thousands of entries: look up in O(log n), not a scan
    let index = index.get_or_init(|| sorted_index(table));
    let at = index.binary_search_by_key(&number, |e| e.0).ok()?;
    let (_, name, conv) = table[usize::from(index[at].1)];
    let name = match (number, ifd, gps) {
        (0x0201, 0, false) => "OtherImageStart",
        (0x0202, 0, false) => "OtherImageLength",
        _ => name,
    };
    Some((name, conv))
}

/// The EXIF tag number of an ExifTool name (main table), for writing.
pub fn exif_number(name: &str) -> Option<u16> {
    EXIF_TAGS.iter().find(|t| t.1 == name).map(|t| t.0)
}

/// XMP namespaces: URI, ExifTool's group suffix (`XMP-<prefix>`), and the standard prefix
/// used when writing.
pub const XMP_NAMESPACES: &[(&str, &str)] = &[
    ("http://purl.org/dc/elements/1.1/", "dc"),
    ("http://ns.adobe.com/xap/1.0/", "xmp"),
    ("http://ns.adobe.com/xap/1.0/rights/", "xmpRights"),
    ("http://ns.adobe.com/xap/1.0/mm/", "xmpMM"),
    ("http://ns.adobe.com/xap/1.0/bj/", "xmpBJ"),
    ("http://ns.adobe.com/xap/1.0/t/pg/", "xmpTPg"),
    ("http://ns.adobe.com/xmp/1.0/DynamicMedia/", "xmpDM"),
    ("http://ns.adobe.com/xmp/note/", "xmpNote"),
    ("http://ns.adobe.com/photoshop/1.0/", "photoshop"),
    ("http://ns.adobe.com/camera-raw-settings/1.0/", "crs"),
    ("http://ns.adobe.com/tiff/1.0/", "tiff"),
    ("http://ns.adobe.com/exif/1.0/", "exif"),
    ("http://cipa.jp/exif/1.0/", "exifEX"),
    ("http://ns.adobe.com/exif/1.0/aux/", "aux"),
    ("http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/", "iptcCore"),
    ("http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "iptcExt"),
    ("http://ns.useplus.org/ldf/xmp/1.0/", "plus"),
    ("http://ns.adobe.com/lightroom/1.0/", "lr"),
    ("http://ns.adobe.com/pdf/1.3/", "pdf"),
    ("http://ns.adobe.com/photoshop/1.0/camera-profile", "crs"),
    ("http://ns.microsoft.com/photo/1.0/", "MicrosoftPhoto"),
    ("http://ns.microsoft.com/photo/1.2/", "MP"),
    (
        "http://www.metadataworkinggroup.com/schemas/regions/",
        "mwg-rs",
    ),
    (
        "http://www.metadataworkinggroup.com/schemas/keywords/",
        "mwg-kw",
    ),
    (
        "http://www.metadataworkinggroup.com/schemas/collections/",
        "mwg-coll",
    ),
    ("http://ns.google.com/photos/1.0/depthmap/", "GDepth"),
    ("http://ns.google.com/photos/1.0/focus/", "GFocus"),
    ("http://ns.google.com/photos/1.0/image/", "GImage"),
    ("http://ns.google.com/photos/1.0/panorama/", "GPano"),
    ("http://ns.google.com/photos/1.0/camera/", "GCamera"),
    ("http://ns.google.com/photos/1.0/container/", "GContainer"),
    ("http://ns.adobe.com/xmp/Identifier/qual/1.0/", "xmpidq"),
    ("http://ns.adobe.com/xap/1.0/g/img/", "xmpGImg"),
    ("http://ns.adobe.com/xap/1.0/sType/Dimensions#", "stDim"),
    (
        "http://ns.adobe.com/photoshop/1.0/panorama-profile",
        "photoshop",
    ),
    ("http://www.digikam.org/ns/1.0/", "digiKam"),
    ("http://ns.acdsee.com/iptc/1.0/", "acdsee"),
    ("http://ns.adobe.com/album/1.0/", "album"),
    ("http://ns.iview-multimedia.com/mediapro/1.0/", "mediapro"),
    ("http://prismstandard.org/namespaces/basic/2.0/", "prism"),
    ("http://ns.adobe.com/DICOM/", "DICOM"),
    ("http://cv.iptc.org/newscodes/digitalsourcetype/", "dst"),
];

/// ExifTool's group suffix for a namespace URI (`None`: use the prefix found in the file).
pub fn xmp_group(uri: &str) -> Option<&'static str> {
    XMP_NAMESPACES.iter().find(|n| n.0 == uri).map(|n| n.1)
}

/// The namespace URI of an ExifTool XMP group suffix.
pub fn xmp_uri(group: &str) -> Option<&'static str> {
    XMP_NAMESPACES.iter().find(|n| n.1 == group).map(|n| n.0)
}

/// XMP property names ExifTool renames: (group, XMP property, ExifTool tag). Every other
/// property is its XMP name with the first letter in upper case.
pub const XMP_RENAMES: &[(&str, &str, &str)] = &[
    ("exif", "PixelXDimension", "ExifImageWidth"),
    ("exif", "PixelYDimension", "ExifImageHeight"),
    ("exif", "ISOSpeedRatings", "ISO"),
    ("exif", "DateTimeDigitized", "DateTimeDigitized"),
    ("exif", "SpectralSensitivity", "SpectralSensitivity"),
    (
        "exif",
        "FocalPlaneResolutionUnit",
        "FocalPlaneResolutionUnit",
    ),
    ("tiff", "ImageLength", "ImageHeight"),
    ("tiff", "DateTime", "ModifyDate"),
    ("tiff", "YCbCrSubSampling", "YCbCrSubSampling"),
    ("iptcExt", "DigImageGUID", "DigitalImageGUID"),
    ("iptcExt", "EventId", "EventID"),
    ("iptcExt", "RegistryId", "RegistryID"),
    ("iptcExt", "AddlModelInfo", "AdditionalModelInformation"),
    ("iptcExt", "IPTCLastEdited", "IPTCLastEdited"),
    ("iptcExt", "MaxAvailHeight", "MaxAvailHeight"),
    ("iptcExt", "CVterm", "ControlledVocabularyTerm"),
    ("iptcExt", "PersonInImage", "PersonInImage"),
    (
        "iptcExt",
        "OrganisationInImageCode",
        "OrganisationInImageCode",
    ),
    ("iptcExt", "ImageRegion", "ImageRegion"),
    ("iptcExt", "PersonInImageWDetails", "PersonInImageWDetails"),
    ("iptcExt", "ProductInImage", "ProductInImage"),
    ("x", "xmptk", "XMPToolkit"),
    ("photoshop", "ICCProfile", "ICCProfileName"),
    ("GDepth", "Data", "DepthImage"),
    ("GImage", "Data", "ImageData"),
    ("GImage", "Mime", "ImageMimeType"),
    ("rdf", "about", "About"),
    ("xmpMM", "DerivedFrom", "DerivedFrom"),
    ("photoshop", "SidecarForExtension", "SidecarForExtension"),
    ("crs", "RawFileName", "RawFileName"),
    ("lr", "hierarchicalSubject", "HierarchicalSubject"),
    ("lr", "privateRTKInfo", "PrivateRTKInfo"),
    ("plus", "Version", "PLUSVersion"),
    ("xmpDM", "Tracks", "Tracks"),
];

/// ExifTool's tag name of an XMP property (`group` is ExifTool's group suffix).
pub fn xmp_tag_name(group: &str, prop: &str) -> String {
    if let Some(r) = XMP_RENAMES.iter().find(|r| r.0 == group && r.1 == prop) {
        return r.2.to_string();
    }
    ucfirst(prop)
}

/// The XMP property name of an ExifTool tag name in a group (inverse of [`xmp_tag_name`]).
pub fn xmp_prop_name(group: &str, tag: &str) -> String {
    if let Some(r) = XMP_RENAMES.iter().find(|r| r.0 == group && r.2 == tag) {
        return r.1.to_string();
    }
    // Most namespaces spell properties lowerCamelCase; a few (iptcCore, iptcExt, plus,
    // photoshop, GDepth…) use UpperCamelCase. We know the standard ones.
    match group {
        "iptcCore" | "iptcExt" | "plus" | "photoshop" | "MicrosoftPhoto" => tag.to_string(),
        "exif" | "tiff" | "aux" | "exifEX"
            if tag.chars().nth(1).is_some_and(char::is_uppercase) =>
        {
            tag.to_string()
        }
        "exif" | "tiff" | "aux" | "exifEX" => tag.to_string(),
        _ => lcfirst(tag),
    }
}

/// XMP properties whose values ExifTool shows as binary data.
pub const XMP_BINARY: &[(&str, &str)] =
    &[("GDepth", "Data"), ("GImage", "Data"), ("xmpGImg", "image")];

/// XMP properties ExifTool gives under another name because of the binary rule.
pub fn xmp_binary(group: &str, prop: &str) -> bool {
    XMP_BINARY.iter().any(|b| b.0 == group && b.1 == prop)
}

/// Upper-cases the first character.
pub fn ucfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lcfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
